"""The form for uploading a statement file: its format, the file, and whether to import the
valid rows and reject the rest. It parses what people choose; `statements.importing` reads the
file and decides what is wrong with it."""

from django import forms

from openphb.statements.models import Format


class StatementUploadForm(forms.Form):
    format = forms.ChoiceField(
        label="What kind of file is it?",
        choices=Format.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what kind of file it is: a bank statement CSV, a camt.053 XML "
            "file or a prepaid-card feed CSV.",
            "invalid_choice": "Choose what kind of file it is: a bank statement CSV, a camt.053 "
            "XML file or a prepaid-card feed CSV.",
        },
    )
    file = forms.FileField(
        label="The statement file",
        error_messages={
            "required": "Choose the statement file to upload.",
            "empty": "The chosen file is empty: choose the statement file.",
            "missing": "Choose the statement file to upload.",
            "invalid": "Choose the statement file to upload.",
        },
    )
    skip_invalid = forms.BooleanField(
        label="Import the valid rows and reject the rest",
        required=False,
        help_text="Otherwise a file with any row that cannot be read is not imported at all. "
        "Rejected rows are kept with the import, with the reason, to download as a CSV.",
    )
