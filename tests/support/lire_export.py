"""Reads an export of « Extractions de données » with tools written elsewhere
and prints what it found as JSON, for the Rust tests to compare with their own
SQL:

  lire_export.py xlsx FICHIER      openpyxl: every sheet, its frozen cell, its
                                   filter, and each cell's type, value and
                                   number format
  lire_export.py xlsx-count FICHIER
                                   python-calamine: each sheet's name, its row
                                   count, its first and last rows (big files)
  lire_export.py txt FICHIER       Python's csv module, "excel-tab" dialect,
                                   after checking the BOM and the CRLF ends
  lire_export.py xml FICHIER       xml.etree: each <ligne>'s values (the
                                   schema itself is checked with xmllint)
"""

import csv
import datetime
import io
import json
import sys


def xlsx(path):
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheets = []
    for ws in book.worksheets:
        rows = []
        for row in ws.iter_rows():
            cells = []
            for c in row:
                v = c.value
                if isinstance(v, datetime.datetime):
                    v = v.date().isoformat()
                elif isinstance(v, datetime.date):
                    v = v.isoformat()
                cells.append({"t": c.data_type, "v": v, "fmt": c.number_format,
                              "date": bool(c.is_date), "bold": bool(c.font and c.font.b)})
            rows.append(cells)
        sheets.append({"name": ws.title, "freeze": ws.freeze_panes,
                       "filter": ws.auto_filter.ref, "rows": rows})
    return {"sheets": sheets, "title": book.properties.title}


def xlsx_count(path):
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    sheets = []
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        sheets.append({"name": name, "rows": len(rows),
                       "first": [str(v) for v in rows[0]] if rows else [],
                       "second": [str(v) for v in rows[1]] if len(rows) > 1 else [],
                       "last": [str(v) for v in rows[-1]] if rows else []})
    return {"sheets": sheets}


def txt(path):
    raw = open(path, "rb").read()
    text = raw.decode("utf-8-sig")
    lines_crlf = raw.count(b"\r\n")
    bare_lf = raw.count(b"\n") - lines_crlf
    rows = list(csv.reader(io.StringIO(text, newline=""), dialect="excel-tab"))
    return {"bom": raw.startswith(b"\xef\xbb\xbf"), "crlf": lines_crlf,
            "bare_lf": bare_lf, "rows": rows}


def xml(path):
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    rows = [[{"tag": v.tag, "nom": v.get("nom"), "text": v.text} for v in ligne]
            for ligne in root.iter("ligne")]
    params = {p.get("nom"): p.text for p in root.iter("parametre")}
    columns = [{"nom": c.get("nom"), "type": c.get("type"), "libelle": c.get("libelle")}
               for c in root.iter("colonne")]
    return {"requete": root.get("requete"), "titre": root.get("titre"),
            "params": params, "columns": columns, "rows": rows}


if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    result = {"xlsx": xlsx, "xlsx-count": xlsx_count, "txt": txt, "xml": xml}[mode](path)
    json.dump(result, sys.stdout, ensure_ascii=False)
