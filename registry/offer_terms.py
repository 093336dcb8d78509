"""The concepts IP offers are described with: slugs, labels (en, nl) and definitions.

Pure data, imported by the domain model to check values; ``registry.offer_vocab`` writes
them as SKOS schemes in ``vocab/``.
"""

from __future__ import annotations

__all__ = [
    "ELIGIBILITY",
    "IP_TYPES",
    "LICENSING_MODES",
    "OFFEROR_TYPES",
    "SCHEMES",
    "TRL",
    "VOCAB",
]

VOCAB = "https://w3id.org/open-registry/"

Concepts = dict[str, tuple[str, str, str]]

IP_TYPES: Concepts = {
    "patent": ("Patent", "Octrooi", "A granted patent or a patent application."),
    "utility-model": ("Utility model", "Gebruiksmodel", "A utility model or short-term patent."),
    "design": ("Design", "Model", "A registered or unregistered industrial design."),
    "software": ("Software", "Software", "Source code or a program, under a stated licence."),
    "dataset": ("Dataset", "Dataset", "Data, under a stated licence."),
    "know-how": ("Know-how", "Knowhow", "Unpatented knowledge, skills and practical experience."),
}

LICENSING_MODES: Concepts = {
    "public-licence": ("Public licence", "Publieke licentie", "Anyone may use it under a licence published for all, without asking."),
    "royalty-free-pledge": ("Royalty-free pledge", "Royaltyvrije toezegging", "The holder pledges not to charge royalties for the stated uses."),
    "non-assertion-covenant": ("Non-assertion covenant", "Niet-handhavingsbelofte", "The holder promises not to enforce its rights against the stated uses."),
    "defensive-cross-licence": ("Defensive cross-licence", "Defensieve kruislicentie", "Members license each other, and the licence ends for a member that sues."),
    "licence-on-transfer": ("Licence on transfer", "Licentie bij overdracht", "A licence that takes effect when the rights are transferred to another holder."),
    "frand": ("FRAND licence", "FRAND-licentie", "A licence on fair, reasonable and non-discriminatory terms."),
    "royalty-free-standard": ("Royalty-free standard licence", "Royaltyvrije standaardlicentie", "A licence to implement a standard without royalties."),
    "licence-of-right": ("Licence of right", "Licentie van rechtswege", "A licence anyone is entitled to on reasonable terms, registered with the patent office."),
    "non-exclusive-licence": ("Non-exclusive licence", "Niet-exclusieve licentie", "A licence that the holder may also grant to others."),
    "exclusive-licence": ("Exclusive licence", "Exclusieve licentie", "A licence granted to one licensee only."),
    "field-exclusive-licence": ("Field-exclusive licence", "Veldexclusieve licentie", "A licence exclusive within one field of use."),
    "option": ("Option", "Optie", "The right to take a licence or assignment later, on agreed terms."),
    "assignment": ("Assignment", "Overdracht", "The rights themselves are transferred."),
    "research-cooperation": ("Research cooperation", "Onderzoekssamenwerking", "Joint research in which the IP is used."),
    "technical-cooperation": ("Technical cooperation", "Technische samenwerking", "Technical support, testing or know-how transfer."),
    "joint-venture": ("Joint venture", "Joint venture", "A new venture formed together to exploit the IP."),
}  # fmt: skip

OFFEROR_TYPES: Concepts = {
    "university": ("University", "Universiteit", "A research university or its valorisation office."),
    "university-of-applied-sciences": ("University of applied sciences", "Hogeschool", "A university of applied sciences or its research group."),
    "research-institute": ("Research institute", "Onderzoeksinstituut", "A public or private research organisation."),
    "hospital": ("Hospital", "Ziekenhuis", "A (university) medical centre."),
    "company": ("Company", "Bedrijf", "A company other than a small or medium-sized enterprise."),
    "sme": ("Small or medium-sized enterprise", "Mkb-bedrijf", "An enterprise with fewer than 250 employees."),
    "startup": ("Start-up", "Start-up", "A young company built on new technology."),
    "government": ("Government", "Overheid", "A public authority."),
    "non-profit": ("Non-profit organisation", "Non-profitorganisatie", "A foundation, association or other organisation not for profit."),
    "individual": ("Individual", "Particulier", "An inventor or creator acting on their own behalf."),
}  # fmt: skip

ELIGIBILITY: Concepts = {
    "anyone": ("Anyone", "Iedereen", "Anyone may take the offer."),
    "sme": ("Small and medium-sized enterprises", "Mkb", "Enterprises with fewer than 250 employees."),
    "startup": ("Start-ups", "Start-ups", "Young companies built on new technology."),
    "social-enterprise": ("Social enterprises", "Sociale ondernemingen", "Enterprises whose first aim is social impact."),
    "non-profit": ("Non-profit organisations", "Non-profitorganisaties", "Organisations not for profit."),
    "academic": ("Academic and research institutions", "Kennisinstellingen", "Universities and research organisations."),
    "individual": ("Individuals", "Particulieren", "Freelancers and private persons."),
    "eu-based": ("Based in the EU", "Gevestigd in de EU", "Organisations established in the European Union."),
    "nl-based": ("Based in the Netherlands", "Gevestigd in Nederland", "Organisations established in the Netherlands."),
}  # fmt: skip

TRL: Concepts = {
    "1": ("TRL 1: basic principles observed", "TRL 1: basisprincipes waargenomen", "Basic principles observed."),
    "2": ("TRL 2: technology concept formulated", "TRL 2: technologieconcept geformuleerd", "Technology concept formulated."),
    "3": ("TRL 3: experimental proof of concept", "TRL 3: experimenteel bewijs van het concept", "Experimental proof of concept."),
    "4": ("TRL 4: technology validated in lab", "TRL 4: technologie gevalideerd in het lab", "Technology validated in a laboratory."),
    "5": ("TRL 5: technology validated in relevant environment", "TRL 5: technologie gevalideerd in relevante omgeving", "Technology validated in a relevant environment."),
    "6": ("TRL 6: technology demonstrated in relevant environment", "TRL 6: technologie gedemonstreerd in relevante omgeving", "Technology demonstrated in a relevant environment."),
    "7": ("TRL 7: system prototype demonstration in operational environment", "TRL 7: prototype gedemonstreerd in operationele omgeving", "System prototype demonstrated in an operational environment."),
    "8": ("TRL 8: system complete and qualified", "TRL 8: systeem compleet en gekwalificeerd", "System complete and qualified."),
    "9": ("TRL 9: actual system proven in operational environment", "TRL 9: systeem bewezen in operationele omgeving", "Actual system proven in an operational environment."),
}  # fmt: skip

#: scheme slug -> (English title, Dutch title, concepts)
SCHEMES: dict[str, tuple[str, str, Concepts]] = {
    "ip-types": ("IP types", "Soorten intellectueel eigendom", IP_TYPES),
    "licensing-modes": ("Licensing modes", "Licentievormen", LICENSING_MODES),
    "offeror-types": ("Offeror types", "Soorten aanbieders", OFFEROR_TYPES),
    "eligibility": ("Eligibility", "Wie het aanbod kan nemen", ELIGIBILITY),
    "trl": ("Technology readiness levels", "Technologische gereedheidsniveaus", TRL),
}
