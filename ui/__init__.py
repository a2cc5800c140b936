"""The bursar desk's Qt Widgets GUI. Nothing outside this package imports PySide6.

Screens call `kiosk/` through the task runner (`ui.taskman`) and show what comes back;
they hold no business logic.
"""
