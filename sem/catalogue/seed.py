"""The starting vocabularies of a new network. Coordinators change them afterwards."""

import sqlalchemy as sa

from sem.catalogue.models import Term, TermKind
from sem.extensions import db

SECTORS = [
    ("social-action", "Action sociale", "Sociaal werk", "Social action"),
    ("culture", "Culture et arts", "Cultuur en kunst", "Culture and arts"),
    ("education", "Éducation permanente", "Sociaal-cultureel volwassenenwerk", "Adult education"),
    ("youth", "Jeunesse", "Jeugdwerk", "Youth work"),
    ("environment", "Environnement et transition", "Milieu en transitie", "Environment and transition"),
    ("food", "Alimentation durable", "Duurzame voeding", "Sustainable food"),
    ("housing", "Logement", "Wonen", "Housing"),
    ("health", "Santé", "Gezondheid", "Health"),
    ("migration", "Migration et accueil", "Migratie en onthaal", "Migration and reception"),
    ("employment", "Insertion socioprofessionnelle", "Socioprofessionele inschakeling", "Employment and training"),
    ("social-economy", "Économie sociale", "Sociale economie", "Social economy"),
    ("digital", "Numérique et inclusion", "Digitale inclusie", "Digital inclusion"),
    ("sport", "Sport et loisirs", "Sport en vrije tijd", "Sport and leisure"),
]
METHODS = [
    ("citizen-participation", "Participation citoyenne", "Burgerparticipatie", "Citizen participation"),
    ("community-work", "Travail communautaire", "Gemeenschapsopbouw", "Community work"),
    ("popular-education", "Éducation populaire", "Volksopvoeding", "Popular education"),
    ("individual-support", "Accompagnement individuel", "Individuele begeleiding", "Individual support"),
    ("advocacy", "Plaidoyer", "Belangenbehartiging", "Advocacy"),
    ("cooperative", "Coopération et autogestion", "Coöperatie en zelfbeheer", "Cooperation and self-management"),
    ("artistic-creation", "Création artistique", "Artistieke creatie", "Artistic creation"),
    ("research", "Recherche-action", "Actieonderzoek", "Action research"),
]
PUBLICS = [
    ("children", "Enfants", "Kinderen", "Children"),
    ("young-people", "Jeunes", "Jongeren", "Young people"),
    ("seniors", "Personnes âgées", "Ouderen", "Older people"),
    ("newcomers", "Personnes primo-arrivantes", "Nieuwkomers", "Newcomers"),
    ("jobseekers", "Demandeurs d'emploi", "Werkzoekenden", "Jobseekers"),
    ("women", "Femmes", "Vrouwen", "Women"),
    ("disability", "Personnes en situation de handicap", "Personen met een handicap", "People with disabilities"),
    ("homeless", "Personnes sans abri", "Daklozen", "Homeless people"),
    ("families", "Familles", "Gezinnen", "Families"),
    ("associations", "Associations", "Verenigingen", "Associations"),
    ("general-public", "Tout public", "Breed publiek", "General public"),
]

DEFAULT_VOCABULARIES = {TermKind.SECTOR: SECTORS, TermKind.METHOD: METHODS, TermKind.PUBLIC: PUBLICS}


def seed_vocabularies() -> int:
    """Add the default terms that are missing (by code); never changes existing ones."""
    existing = {(kind, code) for kind, code in db.session.execute(sa.select(Term.kind, Term.code))}
    added = 0
    for kind, rows in DEFAULT_VOCABULARIES.items():
        for code, fr, nl, en in rows:
            if (kind, code) not in existing:
                db.session.add(Term(kind=kind, code=code, label_fr=fr, label_nl=nl, label_en=en))
                added += 1
    db.session.flush()
    return added


# code, (fr, nl, en), [(code, fr, nl, en), ...]
COMPETENCES = [
    ("it", ("Support informatique", "IT-ondersteuning", "IT support"), [
        ("it-hardware", "Matériel et maintenance", "Hardware en onderhoud", "Hardware and maintenance"),
        ("it-network", "Réseau et wifi", "Netwerk en wifi", "Network and wifi"),
        ("it-website", "Site web", "Website", "Website"),
        ("it-free-software", "Logiciels libres", "Vrije software", "Free software"),
        ("it-security", "Cybersécurité", "Cyberveiligheid", "Cybersecurity"),
    ]),
    ("gdpr", ("RGPD et protection des données", "AVG en gegevensbescherming", "GDPR and data protection"), [
        ("gdpr-compliance", "Mise en conformité RGPD", "AVG-conformiteit", "GDPR compliance"),
        ("gdpr-register", "Registre des traitements", "Verwerkingsregister", "Processing register"),
    ]),
    ("documentation", ("Documentation et archives", "Documentatie en archief", "Documentation and archives"), [
        ("doc-centre", "Centre de documentation", "Documentatiecentrum", "Documentation centre"),
        ("doc-archives", "Archivage", "Archivering", "Archiving"),
        ("doc-research", "Recherche documentaire", "Documentair onderzoek", "Documentary research"),
    ]),
    ("accounting", ("Comptabilité et finances", "Boekhouding en financiën", "Accounting and finance"), [
        ("acc-bookkeeping", "Tenue de comptabilité", "Boekhouding voeren", "Bookkeeping"),
        ("acc-annual-accounts", "Comptes annuels", "Jaarrekening", "Annual accounts"),
        ("acc-budget", "Budget et trésorerie", "Begroting en thesaurie", "Budget and cash flow"),
    ]),
    ("legal", ("Formes juridiques et statuts", "Rechtsvormen en statuten", "Legal forms and statutes"), [
        ("legal-statutes", "Rédaction de statuts", "Statuten opstellen", "Drafting statutes"),
        ("legal-asbl", "Obligations des ASBL", "Verplichtingen van vzw's", "Non-profit obligations"),
        ("legal-contracts", "Contrats et conventions", "Contracten en overeenkomsten", "Contracts and agreements"),
    ]),
    ("fundraising", ("Recherche de fonds", "Fondsenwerving", "Fundraising"), [
        ("fund-grants", "Dossiers de subsides", "Subsidiedossiers", "Grant applications"),
        ("fund-crowdfunding", "Financement participatif", "Crowdfunding", "Crowdfunding"),
    ]),
    ("communication", ("Communication et graphisme", "Communicatie en grafisch ontwerp",
                       "Communication and graphic design"), [
        ("com-graphic-design", "Graphisme", "Grafisch ontwerp", "Graphic design"),
        ("com-social-media", "Réseaux sociaux", "Sociale media", "Social media"),
        ("com-press", "Relations presse", "Persrelaties", "Press relations"),
        ("com-video", "Vidéo et photo", "Video en foto", "Video and photography"),
    ]),
    ("translation", ("Traduction FR↔NL", "Vertaling FR↔NL", "FR↔NL translation"), [
        ("tr-written", "Traduction écrite", "Schriftelijke vertaling", "Written translation"),
        ("tr-interpreting", "Interprétation", "Tolken", "Interpreting"),
        ("tr-proofreading", "Relecture", "Nalezen", "Proofreading"),
    ]),
    ("hr", ("RH et bénévolat", "HR en vrijwilligerswerk", "HR and volunteering"), [
        ("hr-volunteers", "Gestion des bénévoles", "Vrijwilligersbeheer", "Volunteer management"),
        ("hr-recruitment", "Recrutement", "Aanwerving", "Recruitment"),
        ("hr-payroll", "Paie et contrats de travail", "Loonadministratie en arbeidscontracten",
         "Payroll and employment contracts"),
    ]),
    ("rooms", ("Salles et matériel", "Zalen en materiaal", "Rooms and equipment"), [
        ("room-meeting", "Salle de réunion", "Vergaderzaal", "Meeting room"),
        ("room-event", "Salle pour événements", "Zaal voor evenementen", "Event hall"),
        ("room-equipment", "Prêt de matériel", "Uitlenen van materiaal", "Equipment loan"),
    ]),
    ("training", ("Formation et animation", "Vorming en begeleiding", "Training and facilitation"), [
        ("train-facilitation", "Animation de réunions", "Vergaderbegeleiding", "Meeting facilitation"),
        ("train-workshops", "Ateliers et formations", "Workshops en opleidingen", "Workshops and training"),
        ("train-governance", "Gouvernance participative", "Participatief bestuur", "Participatory governance"),
    ]),
]


def seed_competences() -> int:
    """Add the default domains and competences that are missing (by code)."""
    from sem.catalogue.models import Competence, Domain

    domains = {d.code: d for d in db.session.scalars(sa.select(Domain))}
    existing = set(db.session.scalars(sa.select(Competence.code)))
    added = 0
    for position, (code, (fr, nl, en), competences) in enumerate(COMPETENCES):
        domain = domains.get(code)
        if domain is None:
            domain = Domain(code=code, label_fr=fr, label_nl=nl, label_en=en, position=position)
            db.session.add(domain)
            added += 1
        for sub_position, (sub_code, sub_fr, sub_nl, sub_en) in enumerate(competences):
            if sub_code not in existing:
                db.session.add(Competence(domain=domain, code=sub_code, label_fr=sub_fr, label_nl=sub_nl,
                                          label_en=sub_en, position=sub_position))
                added += 1
    db.session.flush()
    return added
