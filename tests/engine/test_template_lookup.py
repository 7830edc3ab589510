"""In a document template a mapping's key comes before the mapping's method of the same name."""
from engine.render import environment
from engine.sandbox import render


def _render(tmp_path, text, context):
    (tmp_path / "t.html.j2").write_text(text, encoding="utf-8")
    return render(environment(tmp_path), "t.html.j2", context)


def test_result_values_reads_the_values_not_the_method(tmp_path):
    assert _render(tmp_path, "{{ result.values.x }}", {"result": {"values": {"x": 4}}}) == "4"


def test_a_method_is_still_there_when_no_key_has_its_name(tmp_path):
    text = "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}"
    assert _render(tmp_path, text, {"d": {"a": 1, "b": 2}}) == "a=1;b=2;"


def test_a_key_named_like_a_method_is_the_data(tmp_path):
    assert _render(tmp_path, "{{ d.keys }}", {"d": {"keys": "k"}}) == "k"
