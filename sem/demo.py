"""The demo network: about forty Brussels organisations, French- and Dutch-speaking,
established and emerging, with documented logins. Loading it twice changes nothing."""

import sqlalchemy as sa

from sem.catalogue.models import Term
from sem.catalogue.seed import seed_competences, seed_vocabularies
from sem.core.db import utcnow
from sem.extensions import db
from sem.members import services as members
from sem.members.models import (
    CharterAcceptance,
    Organisation,
    OrganisationLanguage,
    OrgStatus,
    Person,
    Role,
    Stage,
)
from sem.members.passwords import hash_password

DEMO_PASSWORD = "demo-sem-2026"
DOMAIN = "demo.sem.brussels"
COORDINATOR = ("coordination@" + DOMAIN, "Nadia Benali", "fr")

CHARTER_FR = """Charte du Système d'Échanges Mutuels (SEM)

1. Une heure donnée vaut une heure reçue, quelle que soit la compétence.
2. Les organisations établies mettent leurs compétences au service des organisations en éclosion, sans contrepartie immédiate ; chacune, avec le temps, donne selon ses moyens.
3. Le registre des échanges est ouvert : chaque membre peut le consulter.
4. Chaque membre déclare les heures honnêtement et confirme ou conteste celles qu'il reçoit dans les quinze jours.
5. Les litiges sont tranchés par les coordinateur·rices, avec une décision motivée et tracée.
6. Les données personnelles des membres ne servent qu'au fonctionnement du SEM.
7. Le français et le néerlandais sont les deux langues du réseau ; chacun·e écrit dans la sienne."""

CHARTER_NL = """Charter van het Systeem van Wederzijdse Uitwisseling (SEM)

1. Een gegeven uur is een ontvangen uur waard, welke competentie ook.
2. Gevestigde organisaties stellen hun competenties ter beschikking van organisaties in opstart, zonder onmiddellijke tegenprestatie; na verloop van tijd geeft elk naar vermogen.
3. Het grootboek van de uitwisselingen is open: elk lid kan het raadplegen.
4. Elk lid geeft de uren eerlijk aan en bevestigt of betwist de ontvangen uren binnen vijftien dagen.
5. Geschillen worden door de coördinatoren beslecht, met een gemotiveerde en geregistreerde beslissing.
6. De persoonsgegevens van de leden dienen alleen voor de werking van SEM.
7. Frans en Nederlands zijn de twee talen van het netwerk; ieder schrijft in de zijne."""

E, M = Stage.ESTABLISHED, Stage.EMERGING
A, P, R, S = OrgStatus.APPROVED, OrgStatus.PENDING, OrgStatus.REJECTED, OrgStatus.SUSPENDED

# name, legal form, stage, status, commune, languages, sectors, methods, publics, person, description
ORGANISATIONS = [
    ("Centre de Documentation Alter Égo", "asbl", E, A, "saint-gilles", "fr nl", "education culture",
     "popular-education research", "associations general-public", "Sophie Lambert",
     "Centre de documentation sur l'éducation permanente : 12 000 ouvrages, archives associatives, aide à la recherche documentaire."),
    ("Digitaal Buurthuis Molenbeek", "asbl", E, A, "molenbeek", "nl fr", "digital social-action",
     "community-work individual-support", "associations seniors", "Pieter Janssens",
     "Wij helpen verenigingen met hun computers, netwerken en vrije software, en geven digitale vorming aan buurtbewoners."),
    ("Collectif Potager des Marolles", "de-facto", M, A, "bruxelles", "fr", "food environment",
     "citizen-participation cooperative", "families general-public", "Inès Moreau",
     "Un jeune collectif d'habitant·es qui cultive un potager partagé et organise des repas de quartier."),
    ("Maison des Droits Sociaux", "asbl", E, A, "schaerbeek", "fr nl", "social-action",
     "individual-support advocacy", "jobseekers newcomers", "Karim El Amrani",
     "Permanences juridiques, droit social et accompagnement administratif ; expertise en statuts d'ASBL et en RGPD."),
    ("Vertaalcollectief Babel", "cooperative", E, A, "saint-josse", "nl fr en", "social-economy",
     "cooperative", "associations", "Lotte Peeters",
     "Coöperatie van vertalers en tolken: FR-NL-EN vertalingen voor de sociale sector, tegen solidaire tarieven."),
    ("Atelier Graphique La Fabrique", "asbl", E, A, "forest", "fr", "culture social-economy",
     "artistic-creation", "associations", "Julien Dubois",
     "Atelier de graphisme et d'impression associatif : identités visuelles, affiches, sites web."),
    ("Boekhoudatelier Zenne", "asbl", E, A, "anderlecht", "nl fr", "social-economy",
     "individual-support", "associations", "Marieke Claes",
     "Boekhouding, jaarrekeningen en financieel advies voor kleine vzw's."),
    ("Jeunes Pousses d'Anderlecht", "de-facto", M, A, "anderlecht", "fr ar", "youth sport",
     "community-work", "young-people", "Yasmina Haddad",
     "Une équipe de jeunes du quartier Clemenceau qui organise du foot en salle et de l'aide aux devoirs."),
    ("Buurtwerk Noordwijk", "asbl", E, A, "schaerbeek", "nl fr", "social-action housing",
     "community-work citizen-participation", "families general-public", "Bram Willems",
     "Gemeenschapsopbouw in de Noordwijk: huurdersvergaderingen, buurtfeesten en een vergaderzaal voor verenigingen."),
    ("Repair Café Ixelles", "de-facto", M, A, "ixelles", "fr en", "environment",
     "citizen-participation", "general-public", "Camille Renard",
     "Des bénévoles réparent vélos, petits électroménagers et vêtements un samedi par mois."),
    ("Vrouwenhuis Kuregem", "asbl", E, A, "anderlecht", "nl fr ar", "social-action health",
     "individual-support popular-education", "women", "Fatima Ouali",
     "Ontmoetingsplaats voor vrouwen: taallessen, gezondheidsworkshops en juridisch advies."),
    ("Les Ateliers du Soleil", "asbl", E, A, "bruxelles", "fr", "employment education",
     "popular-education individual-support", "jobseekers newcomers", "Marc Lemaire",
     "Formations en alphabétisation et en informatique pour adultes, depuis 1976."),
    ("Fietskeuken Vorst", "cooperative", M, A, "forest", "nl fr", "environment social-economy",
     "cooperative", "general-public", "Jonas Maes",
     "Een jonge coöperatieve fietsherstelplaats die fietsers leert hun fiets zelf te herstellen."),
    ("Épicerie Solidaire Le Panier", "asbl", M, A, "saint-gilles", "fr", "food social-action",
     "cooperative", "families", "Aurélie Simon",
     "Une épicerie sociale qui ouvre ses portes : produits locaux à prix solidaires, bénévoles du quartier."),
    ("Archief en Documentatie Brusselse Verenigingen", "asbl", E, A, "bruxelles", "nl", "culture education",
     "research", "associations", "Hilde Vermeulen",
     "Archivering en ontsluiting van het geheugen van het Brusselse verenigingsleven."),
    ("Habitat Groupé Tivoli", "de-facto", M, A, "bruxelles", "fr nl", "housing",
     "cooperative citizen-participation", "families seniors", "Thomas Wouters",
     "Un projet d'habitat groupé intergénérationnel en construction, qui cherche de l'aide juridique."),
    ("Radio Panik Solidaire", "asbl", E, A, "saint-josse", "fr", "culture",
     "artistic-creation popular-education", "general-public", "Lucie Martin",
     "Radio associative : studio et formation à la prise de son pour les associations."),
    ("Kinderatelier De Speelbal", "asbl", M, A, "jette", "nl", "youth culture",
     "artistic-creation", "children families", "Sarah De Smet",
     "Een kleine vzw met creatieve ateliers voor kinderen van 6 tot 12 jaar."),
    ("Accueil Nouveaux Voisins", "de-facto", M, A, "etterbeek", "fr en es", "migration",
     "community-work individual-support", "newcomers", "Elena García",
     "Un collectif qui accueille les personnes primo-arrivantes : cafés-langues, accompagnement aux démarches."),
    ("GDPR Helpdesk Sociale Sector", "asbl", E, A, "ixelles", "nl fr en", "digital",
     "individual-support", "associations", "Koen Van Damme",
     "Begeleiding van verenigingen bij de toepassing van de AVG: registers, privacyverklaringen, vorming."),
    ("Seniors en Mouvement Uccle", "asbl", E, A, "uccle", "fr", "health sport",
     "community-work", "seniors", "Monique Dupont",
     "Activités physiques adaptées et lutte contre l'isolement des aîné·es."),
    ("Moestuin Ganshoren", "de-facto", M, A, "ganshoren", "nl", "food environment",
     "citizen-participation", "general-public", "Wim Hermans",
     "Een buurtmoestuin die net gestart is en hulp zoekt voor zijn communicatie."),
    ("Ligue d'Improvisation Koekelberg", "asbl", M, A, "koekelberg", "fr", "culture youth",
     "artistic-creation", "young-people", "Hugo Lefèvre",
     "Ateliers d'impro pour ados ; nous cherchons une salle et de l'aide pour nos comptes."),
    ("Werkplaats Sociale Economie Evere", "asbl", E, A, "evere", "nl fr", "social-economy employment",
     "individual-support", "jobseekers", "Annelies Goossens",
     "Opleidingswerkplaats in houtbewerking en logistiek; we delen onze ervaring met subsidiedossiers."),
    ("Maison Médicale du Midi", "asbl", E, A, "saint-gilles", "fr nl", "health",
     "community-work", "families general-public", "Dr Olivier Gillet",
     "Maison médicale au forfait ; promotion de la santé communautaire."),
    ("Café Citoyen Boitsfort", "cooperative", M, A, "watermael-boitsfort", "fr nl", "social-economy culture",
     "cooperative citizen-participation", "general-public", "Chloé Bertrand",
     "Un café coopératif en création qui veut devenir un lieu de rencontre pour les associations."),
    ("Jeugdhuis Het Anker", "asbl", E, A, "berchem", "nl", "youth",
     "community-work", "young-people", "Stijn Jacobs",
     "Jeugdhuis met een grote zaal en geluidsinstallatie die we graag uitlenen."),
    ("Collectif Sans-Abri Solidaires", "de-facto", M, A, "bruxelles", "fr nl", "social-action housing",
     "advocacy", "homeless", "Amadou Diallo",
     "Un collectif qui organise des maraudes et plaide pour le droit au logement."),
    ("Fédération des Écoles de Devoirs Bruxelloises", "asbl", E, A, "ixelles", "fr", "youth education",
     "popular-education", "children associations", "Véronique Hubert",
     "Fédération qui forme les animateur·rices et soutient les écoles de devoirs."),
    ("Taalcafé Sint-Gillis", "de-facto", M, A, "saint-gilles", "nl fr en", "migration education",
     "community-work", "newcomers", "Eva Desmet",
     "Wekelijkse taaltafels Nederlands voor nieuwkomers; we starten net."),
    ("Handicap et Culture Asbl", "asbl", E, A, "woluwe-saint-lambert", "fr", "culture health",
     "individual-support", "disability", "Patrick Collard",
     "Accessibilité des lieux culturels et formation à l'accueil des personnes en situation de handicap."),
    ("Zero Waste Woluwe", "de-facto", M, A, "woluwe-saint-pierre", "fr nl en", "environment",
     "citizen-participation popular-education", "general-public", "Laura Vandenberghe",
     "Ateliers zéro déchet et bourse aux objets ; besoin d'aide pour notre site web."),
    ("Brusselse Huurdersunie", "asbl", E, A, "schaerbeek", "nl fr", "housing",
     "advocacy individual-support", "families", "Geert Mertens",
     "Juridisch advies voor huurders en vorming over huurrecht."),
    ("Atelier Couture Auderghem", "de-facto", M, A, "auderghem", "fr", "social-economy",
     "cooperative", "women", "Nathalie Leroy",
     "Un atelier de couture solidaire qui démarre, avec des machines données."),
    ("Sportclub Kuregem United", "asbl", M, S, "anderlecht", "nl fr", "sport youth",
     "community-work", "young-people", "Ruben Declercq",
     "Voetbal en basketbal voor jongeren uit Kuregem."),
    # Applications waiting for a coordinator:
    ("Les Cuisines Nomades", "de-facto", M, P, "molenbeek", "fr ar", "food migration",
     "community-work", "newcomers women", "Salma Benjelloun",
     "Des cuisinières de tous horizons qui veulent lancer un service traiteur solidaire."),
    ("Buurtbib Jette", "de-facto", M, P, "jette", "nl", "culture education",
     "citizen-participation", "children families", "Joke Verstraete",
     "Een kleine buurtbibliotheek in een voormalige winkel; we zoeken hulp om boeken te catalogeren."),
    ("Ressourcerie du Canal", "cooperative", E, P, "molenbeek", "fr nl", "environment social-economy",
     "cooperative", "jobseekers general-public", "François Michel",
     "Collecte, tri et revente d'objets de seconde main ; insertion socioprofessionnelle."),
    ("Association Fictive de Test", "other", M, R, "elsewhere", "en", "sport",
     "advocacy", "general-public", "Test Person",
     "An application outside the network's scope, rejected."),
    ("Théâtre des Quartiers", "asbl", E, A, "molenbeek", "fr nl", "culture",
     "artistic-creation popular-education", "general-public", "Isabelle Fontaine",
     "Théâtre-action avec les habitant·es ; salle de répétition disponible en semaine."),
]

# Documented demo logins (README): the first person of these organisations.
DEMO_ADMINS = {
    "Centre de Documentation Alter Égo": "admin.alterego@" + DOMAIN,
    "Collectif Potager des Marolles": "admin.potager@" + DOMAIN,
    "Digitaal Buurthuis Molenbeek": "admin.buurthuis@" + DOMAIN,
}


def _email_for(name: str, index: int) -> str:
    return DEMO_ADMINS.get(name) or f"contact{index:02d}@{DOMAIN}"


def load_demo() -> dict[str, int]:
    """Create what is missing of the demo network; never duplicates or overwrites."""
    counts = {"terms": seed_vocabularies() + seed_competences(), "organisations": 0, "people": 0}
    password_hash = hash_password(DEMO_PASSWORD)

    coordinator = db.session.scalar(sa.select(Person).where(Person.email == COORDINATOR[0]))
    if coordinator is None:
        coordinator = Person(email=COORDINATOR[0], name=COORDINATOR[1], locale=COORDINATOR[2],
                             password_hash=password_hash, is_coordinator=True)
        db.session.add(coordinator)
        counts["people"] += 1
        db.session.flush()

    charter = members.current_charter() or members.publish_charter(CHARTER_FR, CHARTER_NL, actor=coordinator)
    terms = {t.code: t for t in db.session.scalars(sa.select(Term))}
    existing = set(db.session.scalars(sa.select(Organisation.name)))

    for index, row in enumerate(ORGANISATIONS, start=1):
        (name, legal_form, stage, status, commune, languages, sectors, methods, publics,
         person_name, description) = row
        if name in existing:
            continue
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        org = Organisation(
            name=name, legal_form=legal_form, stage=stage, status=status, commune=commune,
            contact_email=f"info.{slug}@{DOMAIN}", website=f"https://{slug}.example.org",
            description=description,
            languages=[OrganisationLanguage(language=code) for code in languages.split()],
            terms=[terms[code] for code in f"{sectors} {methods} {publics}".split()],
            decided_at=None if status is P else utcnow(),
            decision_reason={R: "Hors du territoire et de l'objet du réseau.",
                             S: "Suspension temporaire : heures contestées en cours d'examen."}.get(status, ""),
        )
        locale = "nl" if languages.split()[0] == "nl" else "fr"
        person = Person(organisation=org, email=_email_for(name, index), name=person_name, role=Role.ADMIN,
                        locale=locale, password_hash=password_hash)
        db.session.add_all([org, person])
        db.session.flush()
        db.session.add(CharterAcceptance(organisation_id=org.id, charter_version_id=charter.id, person_id=person.id))
        members.record_event("application.submitted", actor=person, organisation=org, stage=stage.value)
        if status is not P:
            members.record_event("application.approved" if status is not R else "application.rejected",
                                 actor=coordinator, organisation=org, reason=org.decision_reason)
        if status is S:
            members.record_event("organisation.suspended", actor=coordinator, organisation=org,
                                 reason=org.decision_reason)
        counts["organisations"] += 1
        counts["people"] += 1

    # A colleague in the documentation centre, so "my organisation" shows several people.
    colleague_email = "membre.alterego@" + DOMAIN
    if db.session.scalar(sa.select(Person.id).where(Person.email == colleague_email)) is None:
        org = db.session.scalar(sa.select(Organisation).where(Organisation.name == ORGANISATIONS[0][0]))
        db.session.add(Person(organisation=org, email=colleague_email, name="Lucas Fontaine",
                              role=Role.MEMBER, locale="fr", password_hash=password_hash))
        counts["people"] += 1
    db.session.flush()
    return counts
