"""The invoice list's sort keys: shared by search and the CLI (kept tiny so the CLI can
offer them without importing the search and SQLAlchemy at start-up)."""

SORT_KEYS = (
    "number",
    "student",
    "student_number",
    "issue_date",
    "due_date",
    "total",
    "paid",
    "balance",
    "status",
)
