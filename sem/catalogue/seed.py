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
