from .models import DemoWorld


def demo_world_present() -> bool:
    return DemoWorld.objects.exists()
