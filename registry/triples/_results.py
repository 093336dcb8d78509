"""SPARQL results in the formats the endpoint offers, written from solutions as they come.

| query form | media types |
| --- | --- |
| SELECT, ASK | application/sparql-results+json, application/sparql-results+xml, text/csv, text/tab-separated-values |
| CONSTRUCT, DESCRIBE | text/turtle, application/n-triples, application/ld+json, application/rdf+xml |

Both engines (embedded Oxigraph, and a SPARQL server read back as SPARQL JSON) give
solutions as ``{variable: term}`` mappings; one writer per format makes the same bytes
of the same solutions whichever engine answered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

__all__ = ["BOOLEAN_TYPES", "GRAPH_TYPES", "SOLUTION_TYPES", "write_boolean", "write_solutions"]

Term = NamedNode | BlankNode | Literal | Triple

SOLUTION_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
GRAPH_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
)
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _xml_term(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != _XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>"
        f"{_xml_term(term.predicate)}</predicate><object>{_xml_term(term.object)}</object></triple>"
    )


def _csv_field(term: Term | None) -> str:
    """SPARQL 1.1 CSV: the plain value (IRIs and literals without markup), quoted when needed."""
    if term is None:
        return ""
    value = f"_:{term.value}" if isinstance(term, BlankNode) else getattr(term, "value", str(term))
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _tsv_term(term: Term | None) -> str:
    """SPARQL 1.1 TSV: terms in Turtle/N-Triples syntax."""
    if term is None:
        return ""
    if isinstance(term, Literal) and not term.language:
        datatype = term.datatype.value
        if datatype in (
            "http://www.w3.org/2001/XMLSchema#integer",
            "http://www.w3.org/2001/XMLSchema#decimal",
            "http://www.w3.org/2001/XMLSchema#double",
            "http://www.w3.org/2001/XMLSchema#boolean",
        ):
            return term.value
    return str(term).replace("\t", "\\t").replace("\n", "\\n")


def write_solutions(
    variables: list[str], solutions: Iterable[Mapping[str, Term]], media_type: str
) -> bytes:
    """SELECT results in ``media_type`` (one of :data:`SOLUTION_TYPES`)."""
    if media_type == "application/sparql-results+json":
        bindings = [
            {name: _json_term(term) for name, term in row.items() if term is not None}
            for row in solutions
        ]
        document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        return json.dumps(document, ensure_ascii=False).encode()
    if media_type == "application/sparql-results+xml":
        parts = [
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>',
            *(f"<variable name={quoteattr(v)}/>" for v in variables),
            "</head><results>",
        ]
        for row in solutions:
            parts.append("<result>")
            for name, term in row.items():
                if term is not None:
                    parts.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode()
    if media_type == "text/csv":
        lines = [",".join(variables)]
        lines += [",".join(_csv_field(row.get(v)) for v in variables) for row in solutions]
        return ("\r\n".join(lines) + "\r\n").encode()
    if media_type == "text/tab-separated-values":
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join(_tsv_term(row.get(v)) for v in variables) for row in solutions]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"no SELECT results in {media_type}")


def write_boolean(value: bool, media_type: str) -> bytes:
    """ASK results in ``media_type`` (one of :data:`BOOLEAN_TYPES`)."""
    if media_type == "application/sparql-results+json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if media_type == "application/sparql-results+xml":
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
            f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    raise ValueError(f"no ASK result in {media_type}")
