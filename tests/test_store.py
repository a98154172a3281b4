from __future__ import annotations

import json

import fastjsonschema
import jsonschema
import pytest

from pipeline import store
from pipeline.errors import BlamineError
from tests.test_model import make_document


def test_save_writes_valid_json_named_by_doc_id(tmp_path):
    path = store.save(make_document(), tmp_path)
    assert path == tmp_path / "documents" / "0123456789abcdef.json"
    store.validate(json.loads(path.read_text(encoding="utf-8")))
    assert not list(path.parent.glob(".*.tmp")), "temporary file left behind"


def test_stored_document_passes_the_reference_validator_of_the_schema_draft(tmp_path):
    """``store.validate`` uses a compiled check for speed; the reference implementation agrees."""
    schema = store.document_schema()
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    path = store.save(make_document(), tmp_path)
    validator(schema).validate(json.loads(path.read_text(encoding="utf-8")))


def test_load_by_id_and_by_unique_prefix(tmp_path):
    store.save(make_document(), tmp_path)
    assert store.load(tmp_path, "0123456789abcdef").doc_id == "0123456789abcdef"
    assert store.load(tmp_path, "0123").doc_id == "0123456789abcdef"


def test_unknown_id_is_a_clear_error(tmp_path):
    with pytest.raises(BlamineError, match="no such document"):
        store.load(tmp_path, "ffff")


def test_invalid_document_is_not_written(tmp_path):
    doc = make_document()
    doc.clauses[0].kind = "chapter"  # type: ignore[assignment]
    with pytest.raises(fastjsonschema.JsonSchemaValueException, match="kind"):
        store.save(doc, tmp_path)
    assert not (tmp_path / "documents" / f"{doc.doc_id}.json").exists()


def test_newer_schema_major_is_refused_with_one_line(tmp_path):
    path = store.save(make_document(), tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["schema_version"] = "9.0.0"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BlamineError) as refused:
        store.load(tmp_path, "0123456789abcdef")
    assert "upgrade blamine" in refused.value.one_line()


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = store.save(make_document(), tmp_path)
    before = path.read_text(encoding="utf-8")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store.os, "replace", crash)
    changed = make_document()
    changed.metadata.title = "Changed"
    with pytest.raises(OSError):
        store.save(changed, tmp_path)
    assert path.read_text(encoding="utf-8") == before
    assert not list(path.parent.glob(".*.tmp"))
