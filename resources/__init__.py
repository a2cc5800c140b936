"""Fonts, icons, stylesheets and images the desk and its receipts use (data only)."""
