"""The Jinja2 environment for our pages: NHS.UK frontend macros plus a few globals and filters."""

from typing import Any

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from openphb.web import filters
from openphb.web.presenters import error_list


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options: Any) -> Environment:
    # Django's backend defaults to DebugUndefined in debug; the NHS.UK macros need chainable.
    options["undefined"] = ChainableUndefined
    options["autoescape"] = True
    options["extensions"] = [*options.get("extensions", []), "jinja2.ext.do"]
    # Django passes a loader for our apps' jinja2/ folders; the NHS.UK macros come after it.
    app_loader = options.pop("loader")
    env = Environment(  # noqa: S701 - autoescape is set above
        loader=ChoiceLoader([app_loader, PackageLoader("nhsuk_frontend_jinja")]), **options
    )
    env.globals.update(
        {
            "static": static,
            "url": url,
            "error_list": error_list,
        }
    )
    env.filters.update(filters.ALL)
    return env
