"""The web page: a server-rendered search page and record pages, in Dutch and English."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from registry.core import Registry, search_arguments
from registry.errors import InvalidRequest
from registry.models import CHALLENGES, IPOffer, Work
from registry.search import FACETS

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The page templates (autoescaped), loaded on first use."""
    found = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
    found.env.filters["marked"] = marked
    return found


_MARKS = re.compile(r"(</?em>)")


def marked(fragment: str) -> Markup:
    """A highlighted fragment from the search engine as safe HTML: its text escaped (once,
    whatever the engine escaped already), its ``<em>`` marks kept."""
    parts = []
    for part in _MARKS.split(fragment):
        parts.append(part if part in ("<em>", "</em>") else str(escape(html.unescape(part))))
    return Markup("".join(parts))  # noqa: S704 - every part but the marks is escaped


TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Open knowledge and IP registry",
        "tagline": "Rights-free knowledge and IP offered for open innovation, from Dutch institutions.",
        "search": "Search",
        "placeholder": "Search works and IP offers",
        "results": "results",
        "no_results": "Nothing found. Try fewer words or fewer filters.",
        "open_only": "Only open licences",
        "next": "Next page",
        "filters": "Filters",
        "clear": "Clear filters",
        "licence": "Licence",
        "attribution": "Attribution",
        "kind": "Kind",
        "open": "Open",
        "source": "Source",
        "language": "Language",
        "challenge": "Societal challenge",
        "creators": "Creators",
        "publisher": "Publisher",
        "subjects": "Subjects",
        "identifiers": "Identifiers",
        "landing_page": "Landing page",
        "rights": "Rights statement",
        "offeror": "Offeror",
        "contact": "Contact",
        "terms": "Terms",
        "legal_text": "Legal text",
        "ip_types": "IP types",
        "patents": "Patents",
        "trl": "Technology readiness",
        "review_due": "Review due",
        "royalty": "Royalty",
        "ip_type": "IP type",
        "licensing_mode": "Licensing mode",
        "royalty_free": "Royalty-free",
        "royalty_free:true": "Royalty-free",
        "royalty_free:false": "Royalty or fee",
        "exclusivity": "Exclusivity",
        "territory": "Territory",
        "eligibility": "Who may take it",
        "field_of_use": "Field of use",
        "reviews": "Peer review",
        "reports": "Open problem reports",
        "uptake": "Taken up",
        "json": "JSON",
        "back": "Back to search",
        "date": "Date",
        "modified": "Harvested datestamp",
        "error": "That search could not be run",
        "kind:work": "Work",
        "kind:ip-offer": "IP offer",
        "open:true": "Open",
        "open:false": "Not open",
        "licence:none": "No licence",
        "no_licence": "No licence",
        "language:nl": "Dutch",
        "language:en": "English",
        "language:und": "Unknown",
        "reuse": "Reuse",
        "commercial": "Commercial use",
        "derivatives": "Adaptations",
        "family": "Licence family",
        "commercial:true": "Allowed",
        "commercial:false": "Not allowed",
        "derivatives:true": "Allowed",
        "derivatives:false": "Not allowed",
        "reuse:open": "Open",
        "reuse:restricted": "Restricted",
        "reuse:permission": "Ask permission",
        "family:none": "No licence",
    },
    "nl": {
        "title": "Register van open kennis en IP",
        "tagline": "Rechtenvrije kennis en IP voor open innovatie, van Nederlandse instellingen.",
        "search": "Zoeken",
        "placeholder": "Zoek werken en IP-aanbod",
        "results": "resultaten",
        "no_results": "Niets gevonden. Probeer minder woorden of minder filters.",
        "open_only": "Alleen open licenties",
        "next": "Volgende pagina",
        "filters": "Filters",
        "clear": "Filters wissen",
        "licence": "Licentie",
        "attribution": "Naamsvermelding",
        "kind": "Soort",
        "open": "Open",
        "source": "Bron",
        "language": "Taal",
        "challenge": "Maatschappelijke uitdaging",
        "creators": "Makers",
        "publisher": "Uitgever",
        "subjects": "Onderwerpen",
        "identifiers": "Identificatoren",
        "landing_page": "Webpagina",
        "rights": "Rechtenverklaring",
        "offeror": "Aanbieder",
        "contact": "Contact",
        "terms": "Voorwaarden",
        "legal_text": "Juridische tekst",
        "ip_types": "Soorten IP",
        "patents": "Octrooien",
        "trl": "Technologische rijpheid",
        "review_due": "Herziening",
        "royalty": "Vergoeding",
        "ip_type": "Soort IP",
        "licensing_mode": "Licentievorm",
        "royalty_free": "Royaltyvrij",
        "royalty_free:true": "Royaltyvrij",
        "royalty_free:false": "Met vergoeding",
        "exclusivity": "Exclusiviteit",
        "territory": "Gebied",
        "eligibility": "Voor wie",
        "field_of_use": "Toepassingsgebied",
        "reviews": "Beoordeling",
        "reports": "Openstaande meldingen",
        "uptake": "Gebruikt door",
        "json": "JSON",
        "back": "Terug naar zoeken",
        "date": "Datum",
        "modified": "Datumstempel bron",
        "error": "Deze zoekopdracht kon niet worden uitgevoerd",
        "kind:work": "Werk",
        "kind:ip-offer": "IP-aanbod",
        "open:true": "Open",
        "open:false": "Niet open",
        "licence:none": "Geen licentie",
        "no_licence": "Geen licentie",
        "language:nl": "Nederlands",
        "language:en": "Engels",
        "language:und": "Onbekend",
        "reuse": "Hergebruik",
        "commercial": "Commercieel gebruik",
        "derivatives": "Bewerkingen",
        "family": "Licentiefamilie",
        "commercial:true": "Toegestaan",
        "commercial:false": "Niet toegestaan",
        "derivatives:true": "Toegestaan",
        "derivatives:false": "Niet toegestaan",
        "reuse:open": "Open",
        "reuse:restricted": "Beperkt",
        "reuse:permission": "Toestemming vragen",
        "family:none": "Geen licentie",
    },
}

_FACET_PARAMS = FACETS


def language(request: Request) -> str:
    chosen = request.query_params.get("lang")
    if chosen in TEXT:
        return chosen
    accept = request.headers.get("accept-language", "").lower()
    first = accept.split(",")[0].strip()
    return "nl" if first.startswith("nl") else "en"


def _link(params: list[tuple[str, str]], lang: str) -> str:
    return "/?" + urlencode([*params, ("lang", lang)])


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    registry: Registry = request.app.state.registry
    lang = language(request)
    params = request.query_params
    current = [(k, v) for k, v in params.multi_items() if k in ("q", *_FACET_PARAMS) and v]
    context: dict[str, Any] = {
        "t": TEXT[lang],
        "lang": lang,
        "q": params.get("q", ""),
        "error": None,
        "result": None,
        "active": [],
        "other_lang": _link(current, "en" if lang == "nl" else "nl"),
    }
    status = 200
    try:
        query = registry.build_query(**search_arguments(params))
        result = registry.search_json(query)
    except InvalidRequest as exc:
        context["error"] = exc.message
        status = 400
    else:
        for facet in FACETS:
            for value in result["facets"][facet]:
                selected = (facet, value["value"]) in current
                others = [p for p in current if p != (facet, value["value"])]
                value["selected"] = selected
                value["href"] = _link(
                    others if selected else [*current, (facet, value["value"])], lang
                )
                if facet == "challenge" and value["value"] in CHALLENGES:
                    value["label"] = CHALLENGES[value["value"]][lang]
                if facet in ("ip_type", "licensing_mode"):
                    from registry.offer_terms import IP_TYPES, LICENSING_MODES

                    table = IP_TYPES if facet == "ip_type" else LICENSING_MODES
                    if value["value"] in table:
                        value["label"] = table[value["value"]][0 if lang == "en" else 1]
                value["label"] = TEXT[lang].get(f"{facet}:{value['value']}", value["label"])
        context["result"] = result
        context["active"] = [
            {"facet": k, "value": v, "href": _link([p for p in current if p != (k, v)], lang)}
            for k, v in current
            if k != "q"
        ]
        if result["next_cursor"]:
            context["next"] = _link([*current, ("cursor", result["next_cursor"])], lang)
        context["clear"] = _link([p for p in current if p[0] == "q"], lang)
    return templates().TemplateResponse(request, "search.html", context, status_code=status)


def render_record(request: Request, registry: Registry, record: Work | IPOffer) -> str:
    lang = language(request)
    challenges = [CHALLENGES[c][lang] for c in record.challenges]
    template = templates().get_template("record.html")
    return template.render(
        request=request,
        t=TEXT[lang],
        lang=lang,
        r=record,
        uri=registry.record_uri(record.id),
        challenges=challenges,
        offer=_offer_view(registry, record, lang) if isinstance(record, IPOffer) else None,
    )


def _offer_view(registry: Registry, offer: IPOffer, lang: str) -> dict[str, Any]:
    """What the record page shows of an offer, with concept labels in the page's language."""
    from registry.offer_terms import ELIGIBILITY, IP_TYPES, LICENSING_MODES

    index = 0 if lang == "en" else 1
    terms = offer.terms
    return {
        "ip_types": [IP_TYPES[t][index] for t in offer.ip_types],
        "mode": LICENSING_MODES[terms.licensing_mode][index],
        "eligibility": [ELIGIBILITY[e][index] for e in terms.eligibility],
        "territory": terms.territory,
        "review": registry.offer_review(offer.id),
    }
