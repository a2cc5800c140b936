"""HTML templates of the hosted pages (a package so that they ship in the wheel)."""
