"""The vocabularies the registry speaks, as pyoxigraph terms made once.

| prefix | namespace | used for |
| --- | --- | --- |
| dct | http://purl.org/dc/terms/ | title, creator, licence, dates, identifiers |
| cc | http://creativecommons.org/ns# | licence and attribution (CC REL) |
| schema | https://schema.org/ | licence, credit text, copyright holder |
| dcat | http://www.w3.org/ns/dcat# | the catalog, datasets, landing pages, contacts |
| prov | http://www.w3.org/ns/prov# | where a record came from, which harvest, when |
| odrl | http://www.w3.org/ns/odrl/2/ | the terms of an IP offer |
| skos | http://www.w3.org/2004/02/skos/core# | challenges and types |
| foaf | http://xmlns.com/foaf/0.1/ | agents (creators, publishers, offerors) |
| vcard | http://www.w3.org/2006/vcard/ns# | contact points |
| hydra | http://www.w3.org/ns/hydra/core# | paging of the catalog |
| reg | https://w3id.org/open-registry/vocab# | what no standard vocabulary says |
"""

from __future__ import annotations

from pyoxigraph import NamedNode

PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct": "http://purl.org/dc/terms/",
    "dcmitype": "http://purl.org/dc/dcmitype/",
    "cc": "http://creativecommons.org/ns#",
    "schema": "https://schema.org/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "adms": "http://www.w3.org/ns/adms#",
    "reg": "https://w3id.org/open-registry/vocab#",
    "ch": "https://w3id.org/open-registry/challenges/",
    "type": "https://w3id.org/open-registry/types/",
}

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
XSD = PREFIXES["xsd"]
DCT = PREFIXES["dct"]
DCMITYPE = PREFIXES["dcmitype"]
CC = PREFIXES["cc"]
SCHEMA = PREFIXES["schema"]
DCAT = PREFIXES["dcat"]
PROV = PREFIXES["prov"]
ODRL = PREFIXES["odrl"]
SKOS = PREFIXES["skos"]
FOAF = PREFIXES["foaf"]
VCARD = PREFIXES["vcard"]
HYDRA = PREFIXES["hydra"]
REG = PREFIXES["reg"]
CHALLENGES = PREFIXES["ch"]
TYPES = PREFIXES["type"]


class _Terms:
    """Attribute access to the terms of one namespace, each NamedNode made once."""

    def __init__(self, namespace: str) -> None:
        self._namespace = namespace
        self._cache: dict[str, NamedNode] = {}

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        node = self[name]
        setattr(self, name, node)  # the next access is a plain attribute, not this call
        return node

    def __getitem__(self, name: str) -> NamedNode:
        node = self._cache.get(name)
        if node is None:
            node = self._cache[name] = NamedNode(self._namespace + name)
        return node


rdf = _Terms(RDF)
rdfs = _Terms(RDFS)
xsd = _Terms(XSD)
dct = _Terms(DCT)
dcmitype = _Terms(DCMITYPE)
cc = _Terms(CC)
schema = _Terms(SCHEMA)
dcat = _Terms(DCAT)
prov = _Terms(PROV)
odrl = _Terms(ODRL)
skos = _Terms(SKOS)
foaf = _Terms(FOAF)
vcard = _Terms(VCARD)
hydra = _Terms(HYDRA)
adms = _Terms(ADMS := PREFIXES["adms"])
reg = _Terms(REG)
challenge = _Terms(CHALLENGES)
type_concept = _Terms(TYPES)
