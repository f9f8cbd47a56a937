"""Excel workbooks (xlsxwriter): built from plain values, returned as bytes."""
