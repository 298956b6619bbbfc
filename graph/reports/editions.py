"""A diff of two editions of a source (:meth:`graph.build.editions.EditionDiff.as_dict`) as CSV
rows, the same for the command line and the browser."""

from __future__ import annotations

#: One row per item and quote that did not stay where it was, then one per added sentence.
CSV_COLUMNS = ["document", "item", "label", "kind", "changes", "status", "similarity", "old_start", "old_end",
               "new_start", "new_end", "old_words", "new_words", "old_modality", "new_modality", "quote",
               "new_text"]


def _cell(value) -> object:
    return "" if value is None else value


def diff_rows(diff: dict) -> list[list]:
    rows = []
    for change in diff["items"]:
        for a in change["anchors"]:
            if a["status"] == "unchanged":
                continue
            old, new = a["old"] or (None, None), a["new"] or (None, None)
            rows.append([diff["document"], change["item"], change["label"], change["kind"], " ".join(change["changes"]),
                         a["status"], _cell(a["similarity"]), _cell(old[0]), _cell(old[1]), _cell(new[0]),
                         _cell(new[1]), " | ".join(o for o, _n in a["differences"]),
                         " | ".join(n for _o, n in a["differences"]), _cell(a["old_reading"]),
                         _cell(a["new_reading"]), a["quote"], _cell(a["new_text"])])
    for added in diff["added"]:
        rows.append([diff["document"], "", "", "", "added", "added", "", "", "", added["start"], added["end"], "",
                     added["cue"], "", added["modality"], "", added["text"]])
    return rows
