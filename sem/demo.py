"""The demo network: about forty Brussels organisations, French- and Dutch-speaking,
established and emerging, with documented logins, and the offers and needs they post.
Loading it twice changes nothing."""

from datetime import timedelta

import sqlalchemy as sa

from sem.catalogue.models import Competence, Term
from sem.catalogue.seed import seed_competences, seed_vocabularies
from sem.core.db import utcnow
from sem.extensions import db
from sem.market.models import Mode, Need, Offer, PostStatus, Urgency
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

# Offers and needs of the approved organisations, in their working language (some bilingual
# organisations post in both). Dates are relative to the moment the demo is loaded.
#
# Offers: organisation, competence, languages, mode, hours a month, created (days ago), flags, title, description.
# Flags: "standing" (a room or equipment, renewed yearly), and "paused", "closed" or "expired" (else open).
OFFERS = [
    ("Centre de Documentation Alter Égo", "doc-research", "fr", "both", 10, 120, "",
     "Recherche documentaire pour vos projets et dossiers",
     "Vous préparez un dossier de subside, une animation ou une publication ? Nos documentalistes cherchent pour vous études, chiffres et articles dans nos 12 000 ouvrages et dans les bases de données spécialisées. Vous recevez une bibliographie commentée et les documents numérisés."),
    ("Centre de Documentation Alter Égo", "doc-centre", "fr nl", "on_site", 8, 150, "",
     "Accès au centre de documentation et prêt d'ouvrages / Toegang tot ons documentatiecentrum",
     "Notre salle de lecture à Saint-Gilles est ouverte aux membres du SEM du mardi au jeudi : ouvrages sur l'éducation permanente, revues associatives, outils pédagogiques à emprunter. Onze leeszaal staat ook open voor Nederlandstalige verenigingen; we helpen u graag zoeken."),
    ("Centre de Documentation Alter Égo", "doc-archives", "fr", "on_site", 6, 75, "",
     "Conseils pour classer et conserver vos archives",
     "Vos PV d'assemblée générale, photos et affiches s'entassent dans des cartons ? Nous venons sur place pour vous aider à trier, à établir un plan de classement simple et à choisir ce qu'il faut garder. Nous pouvons aussi accueillir vos archives historiques en dépôt."),
    ("Centre de Documentation Alter Égo", "train-workshops", "fr", "remote", 4, 60, "paused",
     "Atelier : organiser une veille documentaire avec des outils libres",
     "En deux séances de deux heures, nous montrons comment suivre l'actualité de votre secteur avec un lecteur RSS, Zotero et quelques alertes bien réglées. Atelier en ligne, pour trois à huit personnes. Reprise après l'été."),
    ("Digitaal Buurthuis Molenbeek", "it-network", "nl fr", "on_site", 12, 100, "",
     "Hulp bij jullie netwerk en wifi",
     "Valt de wifi in jullie lokaal voortdurend weg, of delen jullie één router met de hele gang? We komen langs, meten het netwerk door en zetten een stabiel en veilig netwerk op, met een apart gastennetwerk voor bezoekers. Nous parlons aussi français."),
    ("Digitaal Buurthuis Molenbeek", "it-free-software", "nl", "both", 10, 130, "",
     "Overstappen naar vrije software",
     "We begeleiden jullie bij de overstap naar LibreOffice, Thunderbird, Nextcloud of Linux, zodat jullie geen licenties meer hoeven te betalen. Eerst bekijken we samen welke programma's jullie echt gebruiken, daarna installeren we alles en geven we het team een korte opleiding."),
    ("Digitaal Buurthuis Molenbeek", "it-hardware", "nl", "on_site", 8, 45, "",
     "Oude laptops nakijken en een tweede leven geven",
     "Hebben jullie trage of afgedankte computers? In ons atelier vervangen we harde schijven door SSD's, installeren we een licht besturingssysteem en wissen we oude gegevens veilig. Zo kunnen ze weer jaren mee in jullie werking of bij jullie publiek."),
    ("Digitaal Buurthuis Molenbeek", "it-security", "nl fr", "remote", 4, 20, "",
     "Basis cyberveiligheid voor je vereniging",
     "Phishing, gedeelde wachtwoorden, back-ups die nooit getest werden: in een online sessie van twee uur overlopen we de tien belangrijkste maatregelen voor een kleine vzw. Je krijgt een eenvoudige checklist mee om met je team af te werken."),
    # Expires within the week: exercises the expiry warning.
    ("Digitaal Buurthuis Molenbeek", "it-website", "fr", "remote", 6, 176, "",
     "Hébergement et mise à jour de petits sites WordPress",
     "Nous hébergeons sur notre serveur associatif les sites de quelques associations du quartier et assurons les mises à jour de sécurité. Si votre site tourne encore sur une vieille version, nous pouvons le migrer et le sauvegarder chaque semaine."),
    ("Collectif Potager des Marolles", "room-equipment", "fr", "on_site", 3, 40, "",
     "Prêt d'outils de jardinage et de notre grand barbecue",
     "Bêches, grelinettes, brouettes et un barbecue pour 60 personnes : notre matériel dort souvent la semaine. Nous le prêtons volontiers aux associations du quartier pour une fête ou un chantier. À venir chercher dans les Marolles, sur rendez-vous."),
    ("Maison des Droits Sociaux", "legal-statutes", "fr", "both", 10, 110, "",
     "Rédaction et relecture de statuts d'ASBL",
     "Vous créez une ASBL ou devez mettre vos statuts en conformité avec le Code des sociétés et des associations ? Notre juriste vous aide à les rédiger, vérifie les clauses sur l'AG et le conseil d'administration et vous explique le dépôt au greffe. Comptez deux à trois rendez-vous."),
    ("Maison des Droits Sociaux", "legal-asbl", "fr nl", "both", 8, 85, "",
     "Permanence « obligations des ASBL » / Spreekuur vzw-verplichtingen",
     "Registre UBO, dépôt des comptes, publications au Moniteur, assemblée générale annuelle : nous faisons le point avec vous sur ce que votre ASBL doit faire et quand. Permanence le jeudi matin à Schaerbeek ou en visio. Ook in het Nederlands mogelijk."),
    ("Maison des Droits Sociaux", "gdpr-compliance", "fr", "remote", 6, 55, "",
     "Premiers pas RGPD pour les petites associations",
     "Fichiers de bénéficiaires, listes de membres, photos d'activités : nous vous aidons à repérer les données personnelles que vous traitez et les priorités pour vous mettre en règle. Une séance en ligne de deux heures, suivie d'un retour écrit."),
    ("Maison des Droits Sociaux", "legal-contracts", "fr", "remote", 6, 200, "expired",
     "Rédiger une convention de partenariat ou de mise à disposition",
     "Vous partagez un local, du personnel ou un projet avec une autre association ? Nous rédigeons avec vous une convention claire : durée, responsabilités, assurances, répartition des frais. Modèles commentés fournis."),
    ("Vertaalcollectief Babel", "tr-written", "nl fr en", "remote", 20, 140, "",
     "Vertaling FR↔NL van jullie teksten",
     "Jaarverslagen, subsidieaanvragen, nieuwsbrieven, websiteteksten: onze vertalers zetten ze om van het Frans naar het Nederlands of omgekeerd, en ook naar het Engels. We werken met vertaalgeheugens, zodat jullie terminologie consequent blijft. Reken op ongeveer één uur per 800 woorden."),
    ("Vertaalcollectief Babel", "tr-interpreting", "nl fr", "on_site", 8, 90, "",
     "Tolken FR-NL op vergaderingen en algemene vergaderingen",
     "Een tweetalige algemene vergadering of een buurtvergadering met Franstalige en Nederlandstalige bewoners? Onze tolken zorgen voor consecutieve of fluistertolking, zodat iedereen in zijn eigen taal kan deelnemen. Graag minstens twee weken op voorhand aanvragen."),
    ("Vertaalcollectief Babel", "tr-proofreading", "nl fr", "remote", 6, 30, "",
     "Nalezen van tweetalige teksten",
     "Hebben jullie zelf een tekst vertaald, of met een automatische vertaaltool? Wij lezen na, verbeteren de fouten en maken de tekst natuurlijk voor Brusselse lezers. Ideaal voor affiches, flyers en korte webteksten."),
    ("Vertaalcollectief Babel", "tr-written", "fr", "remote", 10, 65, "paused",
     "Traduction NL→FR de vos rapports et dossiers",
     "Vous recevez des rapports, des appels à projets de la VGC ou des courriers en néerlandais ? Nos traductrices les traduisent en français, fidèlement et dans un style associatif. Offre en pause jusqu'à la fin d'un gros chantier de traduction en cours."),
    ("Atelier Graphique La Fabrique", "com-graphic-design", "fr", "both", 12, 115, "",
     "Création de logo et d'identité visuelle",
     "Un jeune collectif a besoin d'un logo, d'une palette de couleurs et de quelques gabarits pour ses documents ? Nous partons de vos valeurs et de votre public pour proposer deux ou trois pistes, puis nous affinons avec vous. Fichiers sources livrés dans des formats ouverts."),
    ("Atelier Graphique La Fabrique", "com-graphic-design", "fr", "on_site", 10, 50, "",
     "Affiches et flyers imprimés en risographie",
     "Nous mettons en page vos affiches, flyers et programmes, et les imprimons sur notre risographe à Forest : rendu coloré, encres végétales, petits tirages. Vous pouvez aussi venir imprimer avec nous pour apprendre la technique."),
    ("Atelier Graphique La Fabrique", "fund-crowdfunding", "fr", "both", 6, 80, "",
     "Visuels et stratégie pour votre campagne de financement participatif",
     "Nous avons accompagné quatre campagnes réussies sur des plateformes belges. Nous vous aidons à choisir la plateforme, à fixer un objectif réaliste, à imaginer des contreparties et à réaliser les visuels et la vidéo de présentation."),
    ("Atelier Graphique La Fabrique", "it-website", "fr", "remote", 8, 160, "closed",
     "Un site vitrine simple pour votre association",
     "Nous réalisons des sites d'une à cinq pages, faciles à mettre à jour vous-mêmes : présentation, agenda, contact. Offre clôturée : notre webdesigner a rejoint un autre projet."),
    ("Boekhoudatelier Zenne", "acc-bookkeeping", "nl", "both", 15, 125, "",
     "Boekhouding voeren voor kleine vzw's",
     "Wij nemen de boekhouding van kleine vzw's over, of leren jullie ze zelf te voeren, enkelvoudig of dubbel. We zetten een rekeningstelsel op dat past bij jullie subsidies en sturen elk kwartaal een overzicht. Op vraag ook in het Frans."),
    ("Boekhoudatelier Zenne", "acc-annual-accounts", "nl fr", "both", 10, 70, "",
     "Jaarrekening opmaken en neerleggen / Comptes annuels",
     "We helpen jullie de jaarrekening op te maken, ze voor te stellen op de algemene vergadering en ze neer te leggen bij de Nationale Bank of de griffie. Nous aidons aussi les ASBL francophones à établir et déposer leurs comptes annuels."),
    ("Boekhoudatelier Zenne", "acc-budget", "fr", "remote", 6, 25, "",
     "Atelier budget et trésorerie pour ASBL débutantes",
     "Comment prévoir ses dépenses quand les subsides arrivent avec six mois de retard ? En deux séances, nous construisons avec vous un budget annuel et un plan de trésorerie dans un tableur que vous pourrez réutiliser."),
    ("Buurtwerk Noordwijk", "room-meeting", "nl fr", "on_site", 20, 160, "standing",
     "Vergaderzaal in de Noordwijk / Salle de réunion",
     "Onze vergaderzaal biedt plaats aan twintig personen, met beamer, flipover en een kleine keuken. Verenigingen kunnen ze op weekdagen gebruiken tot 21 uur. Salle accessible aux personnes à mobilité réduite."),
    ("Buurtwerk Noordwijk", "train-facilitation", "nl fr", "on_site", 8, 95, "",
     "Begeleiding van bewonersvergaderingen",
     "Onze opbouwwerkers begeleiden al jaren huurdersvergaderingen met tientallen deelnemers en meerdere talen. We helpen jullie een vergadering voor te bereiden, zorgen dat iedereen aan het woord komt en maken een helder verslag."),
    ("Buurtwerk Noordwijk", "train-governance", "fr", "both", 6, 35, "",
     "Accompagnement à la gouvernance participative",
     "Votre collectif grandit et les décisions deviennent difficiles à prendre ? Nous partageons les outils que nous utilisons avec les comités d'habitant·es : cercles, élection sans candidat, décision par consentement. Trois rencontres, chez vous ou chez nous."),
    ("Repair Café Ixelles", "room-equipment", "fr en", "on_site", 3, 30, "",
     "Prêt d'outillage de réparation",
     "Fers à souder, multimètres, machines à coudre et caisse à outils vélo : notre matériel peut être emprunté entre deux Repair Cafés. Nous expliquons volontiers comment l'utiliser en toute sécurité."),
    ("Vrouwenhuis Kuregem", "train-workshops", "nl fr", "on_site", 6, 80, "",
     "Workshops gezondheid en welzijn voor vrouwengroepen",
     "Onze begeleidsters geven workshops over stress, slaap, voeding en vrouwengezondheid, aangepast aan deelneemsters die nog maar weinig Nederlands of Frans spreken. We komen graag naar jullie groep, voor een reeks of voor één sessie."),
    ("Vrouwenhuis Kuregem", "tr-interpreting", "nl fr ar", "on_site", 6, 40, "",
     "Tolken Arabisch bij informatiesessies",
     "Twee van onze medewerksters tolken Arabisch-Nederlands en Arabisch-Frans. Ze kunnen aanwezig zijn bij infosessies, oudercontacten of intakegesprekken, met respect voor de vertrouwelijkheid. Liefst een week op voorhand vragen."),
    ("Les Ateliers du Soleil", "train-workshops", "fr", "both", 8, 105, "",
     "Former vos équipes à l'accueil d'un public en alphabétisation",
     "Formulaires, affiches, consignes : beaucoup de vos bénéficiaires lisent peu ou pas. Nos formatrices proposent une demi-journée pour repérer les obstacles à l'écrit dans votre accueil et adapter vos documents en langage clair."),
    ("Les Ateliers du Soleil", "room-meeting", "fr", "on_site", 8, 170, "standing",
     "Salle informatique de 12 postes le vendredi",
     "Notre salle informatique (douze ordinateurs sous Linux, projecteur, imprimante) est libre le vendredi. Idéal pour une formation ou un atelier numérique avec votre public. Réservation au moins une semaine à l'avance."),
    ("Les Ateliers du Soleil", "hr-volunteers", "fr", "remote", 4, 15, "",
     "Recruter et fidéliser des bénévoles formateurs",
     "Depuis près de cinquante ans, nos cours reposent en partie sur des bénévoles. Nous partageons nos fiches d'accueil, notre charte du bénévolat et ce que nous avons appris pour garder une équipe motivée. Un échange de deux heures en visio."),
    ("Fietskeuken Vorst", "room-equipment", "nl fr", "on_site", 4, 50, "",
     "Fietsgereedschap en werkstandaarden uitlenen",
     "Organiseren jullie een fietsherstelmoment of een fietstocht met jullie publiek? We lenen twee werkstandaarden, een volledige gereedschapskist en een pomp met manometer uit. Ophalen en terugbrengen in ons atelier in Vorst."),
    ("Archief en Documentatie Brusselse Verenigingen", "doc-archives", "nl", "on_site", 10, 135, "",
     "Uw verenigingsarchief ordenen en bewaren",
     "Een kelder vol dozen met verslagen, affiches en foto's? Onze archivarissen komen langs, maken een inventaris en adviseren over wat u bewaart, wat weg mag en hoe u digitale bestanden duurzaam opslaat. Waardevolle stukken kunnen bij ons in bewaring."),
    ("Archief en Documentatie Brusselse Verenigingen", "doc-research", "nl", "remote", 6, 60, "",
     "Opzoekingen naar de geschiedenis van uw wijk of vereniging",
     "Voor een jubileum, een tentoonstelling of een wandeling zoeken wij in onze collecties en in andere Brusselse archieven naar documenten, foto's en getuigenissen. U krijgt een overzicht met scans en bronvermelding."),
    ("Archief en Documentatie Brusselse Verenigingen", "doc-centre", "nl fr", "on_site", 4, 190, "expired",
     "Leeszaal en tijdschriftencollectie raadplegen",
     "Onze leeszaal bewaart meer dan 300 tijdschriften en nieuwsbrieven van Brusselse verenigingen sinds de jaren 1970. Leden van SEM kunnen ze op afspraak raadplegen, met hulp van een documentalist."),
    ("Radio Panik Solidaire", "com-video", "fr", "on_site", 8, 100, "",
     "Enregistrer un podcast ou une capsule audio",
     "Vous voulez faire entendre la voix de votre public ? Nous vous accueillons dans notre studio pour enregistrer une émission, un podcast ou des témoignages, et nous assurons le montage. Nous pouvons aussi former deux personnes de votre équipe à la prise de son."),
    ("Radio Panik Solidaire", "room-equipment", "fr", "on_site", 4, 145, "standing",
     "Prêt d'enregistreurs et de micros",
     "Trois enregistreurs portables, des micros-cravates et un kit de reportage sont disponibles au prêt, pour une semaine maximum. Une courte prise en main est proposée au moment de l'emprunt."),
    ("Radio Panik Solidaire", "com-press", "fr", "both", 4, 20, "",
     "Préparer une interview radio ou un communiqué",
     "Vous êtes invité·e à la radio ou voulez annoncer un événement ? Nous vous aidons à écrire un communiqué court et efficace, et nous faisons avec vous une répétition d'interview en studio."),
    ("GDPR Helpdesk Sociale Sector", "gdpr-compliance", "nl", "remote", 12, 120, "",
     "AVG-quickscan voor uw vereniging",
     "In een gesprek van anderhalf uur overlopen we welke persoonsgegevens u verwerkt, op welke rechtsgrond en hoe u ze beveiligt. U krijgt een kort rapport met de vijf belangrijkste acties, gerangschikt naar prioriteit."),
    ("GDPR Helpdesk Sociale Sector", "gdpr-register", "nl fr", "both", 10, 75, "",
     "Samen uw verwerkingsregister opstellen / Votre registre des traitements",
     "Het verwerkingsregister is verplicht, maar voor een kleine vzw vaak een raadsel. Met ons sjabloon vullen we het samen in, proces per proces. Nous accompagnons aussi les associations francophones, avec un modèle de registre en français."),
    ("GDPR Helpdesk Sociale Sector", "gdpr-compliance", "fr", "remote", 6, 40, "",
     "Rédiger votre déclaration de confidentialité",
     "Votre site ou votre formulaire d'inscription doit expliquer ce que vous faites des données. Nous rédigeons avec vous une déclaration de confidentialité claire et adaptée à votre public, en français et, si vous le souhaitez, en néerlandais."),
    ("GDPR Helpdesk Sociale Sector", "it-security", "nl", "remote", 4, 10, "",
     "Wachtwoordbeheer en tweestapsverificatie invoeren",
     "Eén gedeeld wachtwoord voor alle accounts van de vereniging? We helpen u een wachtwoordbeheerder zoals Bitwarden in te voeren en tweestapsverificatie aan te zetten op uw mail en sociale media."),
    ("Seniors en Mouvement Uccle", "train-workshops", "fr", "on_site", 6, 90, "",
     "Animation d'ateliers intergénérationnels",
     "Nos animatrices proposent des ateliers qui réunissent aîné·es et enfants ou jeunes autour du mouvement, du jeu et du récit. Nous venons dans votre école de devoirs ou votre maison de quartier, avec le matériel."),
    ("Seniors en Mouvement Uccle", "room-equipment", "fr", "on_site", 2, 55, "paused",
     "Prêt de matériel de gym douce",
     "Tapis, ballons légers, élastiques et chaises de gym : nous prêtons notre matériel pour vos activités physiques adaptées. En pause pendant la rénovation de notre local."),
    ("Werkplaats Sociale Economie Evere", "fund-grants", "nl", "both", 10, 110, "",
     "Hulp bij subsidiedossiers (VGC, Actiris, ESF)",
     "We schrijven al vijftien jaar subsidieaanvragen voor onze opleidingswerkplaats. We lezen uw dossier na, helpen met de begroting en de indicatoren, en vertellen wat een beoordelingscommissie wil lezen."),
    ("Werkplaats Sociale Economie Evere", "fund-grants", "fr", "remote", 6, 45, "",
     "Relecture de vos dossiers de subsides",
     "Un appel à projets de la COCOF, de la Région ou de la Fondation Roi Baudouin à rendre bientôt ? Nous relisons votre dossier avec un regard extérieur : cohérence entre objectifs et budget, indicateurs, clarté. Retour écrit sous une semaine."),
    ("Werkplaats Sociale Economie Evere", "room-equipment", "nl fr", "on_site", 6, 70, "",
     "Elektrisch gereedschap en aanhangwagen uitlenen",
     "Boormachines, decoupeerzagen, schuurmachines en een kleine aanhangwagen: ons atelier leent ze uit aan verenigingen voor een verhuis of een klus. Een van onze begeleiders geeft bij het ophalen een korte veiligheidsuitleg."),
    ("Werkplaats Sociale Economie Evere", "hr-recruitment", "nl fr", "both", 6, 30, "",
     "Advies bij aanwerving met Activa of artikel 60",
     "Voor het eerst iemand aanwerven met een tewerkstellingsmaatregel? We leggen uit hoe Activa, artikel 60 en de SINE-maatregel werken, welke stappen u moet zetten en hoe u een goede functieomschrijving schrijft."),
    ("Maison Médicale du Midi", "train-workshops", "fr", "on_site", 6, 85, "",
     "Ateliers de promotion de la santé",
     "Nos infirmières et notre diététicienne animent des ateliers sur l'alimentation à petit budget, le sommeil ou l'accès aux soins en Belgique. Nous les adaptons à votre public, y compris aux personnes qui parlent peu le français."),
    ("Maison Médicale du Midi", "hr-payroll", "fr", "remote", 4, 60, "",
     "Conseils sur la paie et les contrats de travail (CP 330)",
     "Notre coordinatrice administrative gère la paie de vingt travailleur·euses depuis dix ans. Elle peut vous aider à comprendre un contrat, un barème de la commission paritaire 330 ou une fiche de paie, et à préparer vos échanges avec le secrétariat social."),
    ("Maison Médicale du Midi", "room-meeting", "fr nl", "on_site", 6, 150, "standing",
     "Salle de réunion en soirée / Vergaderzaal 's avonds",
     "Notre salle d'animation (15 places) est libre après 18 h en semaine ; elle convient pour un conseil d'administration ou un groupe de parole. Ook beschikbaar voor Nederlandstalige verenigingen, op weekdagen na 18 uur."),
    ("Jeugdhuis Het Anker", "room-event", "nl", "on_site", 20, 165, "standing",
     "Grote zaal met podium en geluidsinstallatie",
     "Onze zaal in Sint-Agatha-Berchem biedt plaats aan 150 staande of 80 zittende personen, met podium, geluidsinstallatie, lichten en een bar. Verenigingen kunnen ze gebruiken op weekdagen en op zondag, in overleg met onze jongeren."),
    ("Jeugdhuis Het Anker", "room-equipment", "nl", "on_site", 4, 100, "standing",
     "Geluidsinstallatie en projector uitlenen",
     "Een mobiele geluidsinstallatie met twee micro's, een beamer en een projectiescherm: we lenen ze uit voor jullie evenementen. Een van onze vrijwilligers legt bij het ophalen uit hoe alles werkt."),
    ("Jeugdhuis Het Anker", "train-workshops", "nl", "on_site", 4, 25, "",
     "Vorming: jongeren mee laten beslissen in je werking",
     "In ons jeugdhuis beslissen de jongeren zelf over het programma en de zaalverhuur. In een workshop van drie uur delen we hoe we dat organiseren: de jongerenraad, vergaderen met pizza en verantwoordelijkheid geven zonder los te laten."),
    ("Fédération des Écoles de Devoirs Bruxelloises", "train-workshops", "fr", "both", 12, 130, "",
     "Former vos animateur·rices à l'animation de groupes d'enfants",
     "Nous proposons des modules courts sur la gestion de groupe, l'accompagnement scolaire et les jeux coopératifs, donnés par nos formateur·rices. Ils peuvent avoir lieu chez vous, pour votre équipe, ou dans nos locaux à Ixelles."),
    ("Fédération des Écoles de Devoirs Bruxelloises", "train-facilitation", "fr", "on_site", 8, 65, "",
     "Animation d'assemblées générales et de journées au vert",
     "Une AG qui s'annonce tendue, une journée pour repenser votre projet ? Un·e animateur·rice de la Fédération prépare le déroulé avec vous et anime la journée avec des méthodes participatives."),
    ("Fédération des Écoles de Devoirs Bruxelloises", "hr-volunteers", "fr", "remote", 4, 120, "closed",
     "Boîte à outils pour accueillir des bénévoles",
     "Fiche d'accueil, convention de volontariat, note d'organisation obligatoire : nous partageons nos modèles et expliquons comment les utiliser. Offre clôturée : la boîte à outils est désormais en ligne sur notre site."),
    ("Taalcafé Sint-Gillis", "tr-proofreading", "nl", "remote", 2, 20, "",
     "Nalezen van korte teksten in eenvoudig Nederlands",
     "Onze vrijwilligers zijn gewend om in duidelijke taal te schrijven voor nieuwkomers. We lezen graag jullie flyer of uitnodiging na, zodat ze ook begrijpelijk is voor wie Nederlands aan het leren is."),
    ("Handicap et Culture Asbl", "train-workshops", "fr", "on_site", 8, 115, "",
     "Formation à l'accueil des personnes en situation de handicap",
     "Une demi-journée pour votre équipe d'accueil : comprendre les différents handicaps, adapter sa communication, guider une personne aveugle ou accueillir une personne en fauteuil. Formation donnée avec des formateur·rices concerné·es."),
    ("Handicap et Culture Asbl", "train-facilitation", "fr", "both", 4, 35, "paused",
     "Rendre vos réunions et événements accessibles",
     "Sous-titrage, boucle magnétique, plan d'accès, pauses régulières : nous relisons avec vous l'organisation de votre prochain événement et proposons des adaptations simples et peu coûteuses. Offre en pause jusqu'au retour de notre chargée de projet."),
    ("Zero Waste Woluwe", "com-social-media", "fr nl", "remote", 3, 28, "",
     "Astuces pour animer une communauté sur Instagram",
     "Notre compte zéro déchet réunit plus de 3 000 abonné·es et il est animé entièrement par des bénévoles. Nous partageons volontiers nos astuces : calendrier éditorial, formats qui marchent, outils gratuits pour créer des visuels. Ook in het Nederlands."),
    ("Brusselse Huurdersunie", "legal-contracts", "nl", "both", 8, 95, "",
     "Huurcontract voor uw lokaal nalezen",
     "Gaat uw vereniging een lokaal huren of een handelshuur verlengen? Onze juristen lezen het contract na, wijzen op onevenwichtige clausules en helpen u onderhandelen met de eigenaar."),
    ("Brusselse Huurdersunie", "legal-asbl", "nl", "both", 6, 50, "",
     "Vorming: de vzw-wetgeving (WVV) in de praktijk",
     "Sinds het Wetboek van vennootschappen en verenigingen gelden er nieuwe regels voor vzw's. In een vorming van drie uur overlopen we de aansprakelijkheid van bestuurders, de economische activiteiten en de verplichtingen rond de algemene vergadering."),
    ("Brusselse Huurdersunie", "train-workshops", "fr", "on_site", 6, 15, "",
     "Formation au droit du bail pour travailleur·euses sociaux",
     "Insalubrité, garantie locative, indexation des loyers : vos bénéficiaires vous interrogent souvent sur leur logement. Nous formons votre équipe aux bases du bail d'habitation bruxellois et aux bons réflexes pour orienter."),
    ("Théâtre des Quartiers", "room-event", "fr", "on_site", 16, 140, "standing",
     "Salle de répétition disponible en semaine",
     "Notre salle de répétition (120 m², plancher, lumières de base, loges) est libre du lundi au jeudi en journée. Elle accueille répétitions, ateliers théâtre ou assemblées jusqu'à 60 personnes. Réservation par mail, au moins dix jours avant."),
    ("Théâtre des Quartiers", "room-event", "nl", "on_site", 16, 140, "standing",
     "Repetitiezaal beschikbaar op weekdagen",
     "Onze repetitiezaal in Molenbeek (120 m², houten vloer, basisbelichting, kleedkamers) is van maandag tot donderdag overdag vrij. Geschikt voor repetities, theaterworkshops of vergaderingen tot 60 personen. Reserveren per mail, minstens tien dagen op voorhand."),
    ("Théâtre des Quartiers", "train-facilitation", "fr", "on_site", 6, 70, "",
     "Théâtre-forum pour débloquer les situations difficiles",
     "Un conflit dans l'équipe, une relation difficile avec le public ? Nos comédien·nes-animateur·rices mettent la situation en scène et le groupe cherche ensemble d'autres façons d'agir. Un atelier de trois heures, pour 8 à 20 personnes."),
]

# What some standing offers ask in return (by title).
OFFER_CONDITIONS = {
    "Vergaderzaal in de Noordwijk / Salle de réunion": "Gratis voor SEM-leden; sleutel ophalen aan het onthaal en de zaal opgeruimd achterlaten.",
    "Salle informatique de 12 postes le vendredi": "Une personne de votre association reste présente pendant toute l'occupation.",
    "Prêt d'enregistreurs et de micros": "Caution de 50 € rendue au retour du matériel.",
    "Grote zaal met podium en geluidsinstallatie": "Enkel de schoonmaakkosten (50 euro); een vrijwilliger van het jeugdhuis is altijd aanwezig.",
    "Salle de répétition disponible en semaine": "Pas de repas dans la salle ; clés à retirer à l'accueil la veille.",
    "Repetitiezaal beschikbaar op weekdagen": "Geen maaltijden in de zaal; sleutels de dag voordien af te halen aan het onthaal.",
}

# Needs: organisation, competence, languages, estimated hours, wished by (days from now, or None), created (days ago), flags, title, description.
# Flags: "urgent", and "paused", "closed" or "expired" (else open).
NEEDS = [
    ("Centre de Documentation Alter Égo", "tr-written", "fr nl", 25, 75, 40, "",
     "Traduction en néerlandais de notre catalogue thématique",
     "Nous voulons ouvrir notre centre aux associations néerlandophones. Il faudrait traduire les rubriques de notre catalogue en ligne (environ 300 mots-clés) et notre guide du lecteur de six pages. Une relecture par une personne néerlandophone serait un plus."),
    ("Digitaal Buurthuis Molenbeek", "fund-grants", "nl", 8, 30, 25, "",
     "Iemand die ons subsidiedossier digitale inclusie naleest",
     "We dienen binnenkort een aanvraag in bij de gewestelijke oproep voor digitale inclusie. De inhoud hebben we, maar we twijfelen over de begroting en de indicatoren. We zoeken iemand met ervaring die het dossier kritisch naleest."),
    ("Collectif Potager des Marolles", "it-website", "fr", 20, 60, 35, "",
     "Un site web simple pour notre potager",
     "Nous n'avons qu'une page Facebook et beaucoup d'habitant·es du quartier n'y sont pas. Nous voudrions un petit site avec notre agenda (repas, chantiers), la façon de nous rejoindre et quelques photos, que nous pourrions mettre à jour nous-mêmes."),
    ("Collectif Potager des Marolles", "legal-statutes", "fr", 12, 25, 18, "urgent",
     "Aide pour rédiger nos statuts d'ASBL",
     "La Ville nous propose une convention d'occupation du terrain, mais seulement si nous devenons une ASBL avant la fin du mois prochain. Nous cherchons quelqu'un pour nous aider à rédiger des statuts simples, qui respectent notre fonctionnement collectif, et à les déposer."),
    # Posted two days ago and not answered yet: the matcher proposes it (see _load_history).
    ("Collectif Potager des Marolles", "gdpr-compliance", "fr", 4, 40, 2, "",
     "Mettre notre liste de bénévoles en règle avec le RGPD",
     "Nous gardons les coordonnées d'une soixantaine de bénévoles et d'habitant·es dans un tableur partagé. Nous voudrions savoir ce que nous pouvons y garder, combien de temps, et rédiger une courte note d'information pour les personnes concernées."),
    ("Maison des Droits Sociaux", "tr-interpreting", "fr nl", 4, 20, 10, "urgent",
     "Interprète FR-NL pour une soirée d'information",
     "Nous organisons avec la Brusselse Huurdersunie une soirée d'information sur les expulsions, pour un public francophone et néerlandophone. Nous cherchons un·e interprète pour deux heures, en soirée, à Schaerbeek."),
    ("Vertaalcollectief Babel", "hr-payroll", "nl", 6, 45, 30, "",
     "Advies over loonadministratie voor onze eerste werknemer",
     "Onze coöperatie neemt voor het eerst iemand in loondienst: een halftijdse coördinator. We zoeken iemand die ons uitlegt welk paritair comité van toepassing is, hoe we een sociaal secretariaat kiezen en wat er in een arbeidscontract moet staan."),
    ("Atelier Graphique La Fabrique", "acc-bookkeeping", "fr", 15, None, 70, "paused",
     "Reprise de notre comptabilité",
     "Notre trésorière quitte l'association et personne d'autre ne maîtrise le logiciel comptable. Nous cherchons de l'aide pour reprendre la comptabilité en cours et former deux personnes de l'équipe. Demande en pause le temps de réorganiser notre conseil d'administration."),
    ("Boekhoudatelier Zenne", "gdpr-register", "nl", 6, None, 40, "",
     "Verwerkingsregister voor onze klantendossiers",
     "We bewaren de boekhoudkundige gegevens van een dertigtal vzw's, inclusief de loongegevens van hun personeel. We willen ons verwerkingsregister en onze bewaartermijnen laten nalezen door iemand die de AVG goed kent."),
    ("Jeunes Pousses d'Anderlecht", "room-event", "fr", 6, 12, 5, "urgent",
     "Une grande salle pour notre tournoi de mini-foot",
     "La salle de sport que nous utilisions a fermé pour travaux. Nous cherchons d'urgence une grande salle, à Anderlecht ou pas loin, pour notre tournoi du samedi qui réunit une soixantaine de jeunes. Nous rangeons et nettoyons après."),
    ("Jeunes Pousses d'Anderlecht", "fund-grants", "fr", 16, 45, 28, "",
     "Monter notre premier dossier de subside",
     "Nous voulons demander un soutien à la commune et à la COCOF pour l'aide aux devoirs, mais nous n'avons jamais rempli de dossier. Quelqu'un pourrait-il nous accompagner sur deux ou trois séances, des objectifs au budget ?"),
    ("Buurtwerk Noordwijk", "com-video", "nl fr", 10, 40, 22, "",
     "Korte video over ons buurtfeest",
     "Op ons buurtfeest in de Noordwijk komen elk jaar honderden bewoners samen. We willen er een video van drie minuten over maken om te tonen wat gemeenschapsopbouw betekent. We zoeken iemand die filmt en monteert, met ondertitels in het Nederlands en het Frans."),
    ("Repair Café Ixelles", "legal-contracts", "fr en", 4, 30, 15, "",
     "Une décharge de responsabilité pour nos réparations",
     "Que se passe-t-il si un grille-pain réparé chez nous prend feu une semaine plus tard ? Nous voudrions un texte de décharge clair, à faire signer aux visiteur·euses, et savoir quelle assurance nous couvre vraiment."),
    ("Vrouwenhuis Kuregem", "hr-recruitment", "nl", 10, 30, 20, "",
     "Hulp bij de aanwerving van een nieuwe coördinator",
     "Onze coördinator gaat na twintig jaar met pensioen. We willen een goede functieomschrijving schrijven, de vacature breed verspreiden en een selectieprocedure opzetten die eerlijk is voor kandidaten met een migratieachtergrond."),
    ("Vrouwenhuis Kuregem", "it-hardware", "nl", 6, 14, 8, "urgent",
     "Computers voor onze taallessen vallen uit",
     "Drie van de vijf computers in ons leslokaal starten niet meer op, en de lessen digitale vaardigheden beginnen over twee weken. Wie kan langskomen om ze te herstellen of te vervangen door tweedehandstoestellen?"),
    ("Les Ateliers du Soleil", "tr-written", "fr nl", 12, 60, 33, "",
     "Traduction en néerlandais de notre brochure de formations",
     "De plus en plus de stagiaires nous sont envoyés par des services néerlandophones. Nous voudrions traduire notre brochure de formations (huit pages) et notre formulaire d'inscription en néerlandais, en gardant un langage simple."),
    ("Fietskeuken Vorst", "acc-bookkeeping", "nl", 12, None, 55, "",
     "Leren boekhouden als jonge coöperatie",
     "We zijn vorig jaar gestart met vijf coöperanten en houden onze inkomsten en uitgaven bij in een spreadsheet. We willen overstappen naar een echte dubbele boekhouding en zoeken iemand die ons de eerste maanden begeleidt."),
    ("Fietskeuken Vorst", "fund-crowdfunding", "nl fr", 10, 50, 14, "",
     "Crowdfundingcampagne voor een elektrische bakfiets",
     "Met een bakfiets willen we ons atelier naar scholen en pleinen in Vorst brengen. We plannen een crowdfunding van 6.000 euro en zoeken iemand met ervaring om de campagne, de tegenprestaties en de communicatie op te zetten."),
    ("Épicerie Solidaire Le Panier", "legal-asbl", "fr", 5, 10, 6, "urgent",
     "Agrément d'épicerie sociale : quelles obligations ?",
     "Nous déposons notre demande d'agrément dans dix jours et découvrons des obligations que nous comprenons mal (registre des bénéficiaires, comptabilité séparée). Nous avons besoin rapidement d'une personne qui connaît le cadre des ASBL pour relire notre dossier."),
    ("Épicerie Solidaire Le Panier", "com-graphic-design", "fr", 6, -50, 80, "closed",
     "Une affiche pour l'ouverture de l'épicerie",
     "Nous ouvrions nos portes le mois suivant et voulions une affiche chaleureuse pour les commerces et les écoles du quartier. Merci à La Fabrique : l'affiche est faite !"),
    ("Archief en Documentatie Brusselse Verenigingen", "it-website", "nl", 30, None, 65, "",
     "Online catalogus voor onze collectie",
     "Onze inventarissen staan in een oude Access-databank die maar op één computer werkt. We zoeken hulp om ze online doorzoekbaar te maken, bij voorkeur met vrije software zoals AtoM of Omeka. Het gaat om ongeveer 4.000 beschrijvingen."),
    ("Habitat Groupé Tivoli", "legal-statutes", "fr", 12, 30, 16, "urgent",
     "Coopérative ou ASBL ? Choisir la forme juridique de notre habitat groupé",
     "Nous sommes huit ménages et l'achat du terrain est prévu dans six semaines. Le notaire nous demande sous quelle forme juridique nous achetons. Il nous faut un avis rapide sur les avantages d'une coopérative, d'une ASBL ou d'une copropriété, puis de l'aide pour les statuts."),
    ("Habitat Groupé Tivoli", "legal-contracts", "nl", 8, 90, 40, "",
     "Overeenkomst tussen de bewoners",
     "Naast de statuten willen we een huishoudelijk reglement en een overeenkomst tussen de bewoners opstellen: wat als iemand vertrekt, hoe verdelen we de kosten, wie beslist over nieuwe bewoners? We zoeken iemand die zulke teksten al eens heeft opgesteld."),
    ("Habitat Groupé Tivoli", "train-governance", "fr", 6, None, 75, "paused",
     "Apprendre à décider ensemble",
     "Nos réunions durent trois heures et se terminent souvent sans décision. Nous aimerions être accompagnés pour essayer la sociocratie ou la décision par consentement. En pause : nous reprendrons après l'achat du terrain."),
    ("Radio Panik Solidaire", "it-security", "fr", 8, 7, 3, "urgent",
     "Notre serveur de diffusion a été piraté",
     "Depuis trois jours, notre flux en ligne diffuse par moments de la publicité qui n'est pas la nôtre. Nous avons changé les mots de passe, sans succès. Nous cherchons d'urgence quelqu'un qui connaît la sécurité des serveurs Linux pour nettoyer et sécuriser la machine."),
    ("Kinderatelier De Speelbal", "room-event", "nl", 4, 80, 30, "",
     "Zaal voor onze eindvoorstelling",
     "Aan het einde van het werkjaar tonen de kinderen van onze ateliers wat ze gemaakt hebben, voor een zeventigtal ouders en grootouders. We zoeken een zaal in Jette of omgeving, op een zaterdagnamiddag, liefst met een klein podium."),
    ("Kinderatelier De Speelbal", "acc-annual-accounts", "nl", 6, 18, 9, "urgent",
     "Eerste jaarrekening: de deadline nadert",
     "Onze vzw bestaat anderhalf jaar en we moeten voor het eerst een jaarrekening neerleggen. De termijn loopt binnenkort af en we weten niet waar te beginnen. Wie helpt ons het model voor kleine verenigingen in te vullen?"),
    ("Kinderatelier De Speelbal", "gdpr-compliance", "nl", 4, None, 48, "",
     "Foto's van kinderen en privacy",
     "We nemen vaak foto's tijdens de ateliers en ouders vragen of die op onze website mogen. We willen een duidelijk toestemmingsformulier en weten hoe lang we de foto's mogen bewaren."),
    ("Accueil Nouveaux Voisins", "room-meeting", "fr", 4, 10, 4, "urgent",
     "Un local pour nos cafés-langues du mardi soir",
     "La maison de quartier qui nous accueillait ne peut plus nous prêter sa salle à partir du mois prochain. Nous cherchons une salle pour quinze à vingt personnes, le mardi de 18 h à 20 h, à Etterbeek ou dans les environs."),
    ("Accueil Nouveaux Voisins", "train-workshops", "fr en", 6, 60, 42, "",
     "Former nos bénévoles à l'accompagnement des démarches",
     "Nos bénévoles accompagnent des personnes primo-arrivantes à la commune, au CPAS ou chez le médecin, mais se sentent parfois démuni·es. Une formation sur les droits de base et les services vers lesquels orienter nous aiderait beaucoup."),
    ("GDPR Helpdesk Sociale Sector", "com-press", "nl", 4, 35, 26, "",
     "Persbericht over onze nieuwe AVG-gids",
     "We publiceren binnenkort een gratis AVG-gids voor kleine verenigingen, in het Nederlands en het Frans. We zoeken iemand die ons helpt een sterk persbericht te schrijven en de juiste journalisten en sectorbladen te bereiken."),
    ("Moestuin Ganshoren", "com-graphic-design", "nl", 8, 45, 24, "",
     "Logo en affiche voor onze moestuin",
     "Onze buurtmoestuin is dit voorjaar gestart en we willen zichtbaar worden in de wijk. We zoeken iemand die een eenvoudig logo ontwerpt en een affiche maakt voor onze opendeurdag."),
    ("Moestuin Ganshoren", "com-social-media", "nl", 6, None, 100, "expired",
     "Hulp met onze Facebookpagina en nieuwsbrief",
     "We hebben een Facebookpagina met veertig volgers en een lijst met mailadressen op papier. Wie leert ons hoe we een eenvoudige nieuwsbrief opzetten en regelmatig iets posten?"),
    ("Ligue d'Improvisation Koekelberg", "room-event", "fr", 4, 21, 11, "",
     "Une salle pour nos entraînements du mercredi",
     "L'école ne peut plus nous prêter son réfectoire le mercredi après-midi. Nous cherchons une salle d'au moins 50 m² pour douze ados, de 14 h à 17 h. En échange, nous pouvons jouer un spectacle d'impro pour votre public."),
    ("Maison Médicale du Midi", "doc-archives", "fr", 20, None, 52, "",
     "Trier vingt ans d'archives de projets",
     "Nos armoires débordent de dossiers de projets de santé communautaire accumulés depuis vingt ans. Nous voudrions garder la mémoire de ce travail sans conserver de données médicales inutiles. Un·e archiviste pourrait-il ou elle nous aider à établir un plan de tri ?"),
    ("Café Citoyen Boitsfort", "fund-crowdfunding", "fr", 12, 45, 21, "",
     "Campagne pour vendre nos parts coopératives",
     "Pour ouvrir le café, il nous manque 25 000 euros que nous voulons réunir en parts coopératives auprès des habitant·es. Nous cherchons quelqu'un qui a déjà mené une campagne de ce type pour construire le plan de communication et la page de souscription."),
    ("Café Citoyen Boitsfort", "hr-volunteers", "nl", 6, None, 37, "",
     "Vrijwilligers achter de toog organiseren",
     "Ons coöperatief café zal grotendeels op vrijwilligers draaien. We zoeken advies over de organisatienota, verzekeringen en een rooster dat niet van drie mensen afhangt."),
    # Expires within the week: exercises the expiry warning.
    ("Jeugdhuis Het Anker", "it-website", "nl", 10, None, 84, "",
     "Nieuwe website met zaalreservaties",
     "Onze website is verouderd en reservaties van de zaal gebeuren nu via sms. We zoeken iemand die een eenvoudige website bouwt met een agenda waarop verenigingen kunnen zien wanneer de zaal vrij is."),
    ("Collectif Sans-Abri Solidaires", "com-press", "fr nl", 6, 15, 13, "urgent",
     "Conférence de presse avant l'hiver / Persconferentie voor de winter",
     "Avec les premiers froids, nous voulons alerter sur le manque de places d'accueil à Bruxelles. Nous cherchons de l'aide pour organiser une conférence de presse bilingue et préparer un dossier de presse. We zoeken ook iemand die de Nederlandstalige pers kent."),
    ("Collectif Sans-Abri Solidaires", "legal-asbl", "fr", 4, None, 47, "paused",
     "Devenir une ASBL : est-ce une bonne idée ?",
     "Notre collectif fonctionne sans structure depuis deux ans. Certain·es veulent créer une ASBL pour recevoir des dons, d'autres craignent de perdre notre liberté. Nous aimerions en parler avec quelqu'un qui connaît les obligations d'une ASBL."),
    ("Collectif Sans-Abri Solidaires", "doc-research", "nl fr", 10, 60, 29, "",
     "Cijfers over dakloosheid in Brussel verzamelen",
     "Voor ons pleidooi zoeken we betrouwbare cijfers en studies over dakloosheid en leegstand in Brussel, liefst van de laatste vijf jaar. Iemand met ervaring in documentair onderzoek zou ons veel tijd besparen."),
    ("Fédération des Écoles de Devoirs Bruxelloises", "tr-written", "fr nl", 30, None, 44, "",
     "Traduction de notre guide pédagogique en néerlandais",
     "Notre guide « Accompagner les devoirs autrement » (40 pages) intéresse des huiswerkklassen néerlandophones. Nous cherchons une traduction soignée, qui respecte le vocabulaire du travail de jeunesse à Bruxelles et en Flandre."),
    ("Taalcafé Sint-Gillis", "com-graphic-design", "nl fr", 6, 30, 17, "",
     "Flyer in vier talen voor onze taaltafels",
     "We willen een flyer die nieuwkomers in Sint-Gillis uitnodigt op onze taaltafels, in het Nederlands, Frans, Engels en Arabisch. De teksten hebben we al; we zoeken iemand voor de opmaak en advies voor het drukwerk."),
    ("Taalcafé Sint-Gillis", "room-meeting", "nl", 3, -30, 60, "closed",
     "Zaaltje voor onze taaltafels op zaterdag",
     "We zochten een ruimte voor tien tot vijftien mensen op zaterdagvoormiddag. Dankzij Buurtwerk Noordwijk hebben we een plek gevonden: bedankt!"),
    ("Handicap et Culture Asbl", "it-website", "fr", 20, 90, 31, "",
     "Rendre notre site web accessible",
     "Un comble pour nous : notre site n'est pas lisible avec un lecteur d'écran. Nous cherchons une personne qui connaît les règles d'accessibilité (WCAG) pour auditer le site et corriger les principaux problèmes."),
    ("Zero Waste Woluwe", "it-website", "fr nl", 20, 60, 27, "",
     "Refaire notre site web / Een nieuwe website",
     "Notre site a été créé par une bénévole qui a déménagé, et plus personne ne sait le mettre à jour. Nous voudrions un site simple et bilingue, avec l'agenda de nos ateliers et la liste des objets de la bourse. Een Nederlandstalige vrijwilliger helpt graag mee."),
    ("Zero Waste Woluwe", "fund-grants", "fr", 8, 9, 12, "urgent",
     "Appel à projets de Bruxelles Environnement : dossier à boucler",
     "Nous répondons à un appel à projets de Bruxelles Environnement pour un atelier de réparation mobile, et la date limite tombe dans neuf jours. Nous cherchons quelqu'un pour relire le dossier et nous aider à construire le budget."),
    ("Atelier Couture Auderghem", "fund-grants", "fr", 8, 60, 23, "",
     "Trouver un financement pour nos machines à coudre",
     "Nos six machines données tombent souvent en panne ; nous voudrions acheter deux machines professionnelles et une surjeteuse. Nous cherchons quelqu'un pour repérer les appels à projets adaptés et nous aider à écrire notre premier dossier."),
    ("Atelier Couture Auderghem", "com-social-media", "fr", 6, None, 105, "expired",
     "Vendre nos créations en ligne",
     "Nos couturières fabriquent des sacs et des trousses en tissus récupérés. Nous voudrions les présenter sur Instagram et peut-être ouvrir une petite boutique en ligne, mais nous ne savons pas par où commencer."),
    ("Théâtre des Quartiers", "hr-payroll", "fr", 6, 40, 26, "",
     "Contrats d'artistes et attestation du travail des arts",
     "Nous engageons chaque saison quelques comédien·nes pour nos spectacles avec les habitant·es. Nous voulons être sûrs de proposer les bons contrats et comprendre ce que change l'attestation du travail des arts pour eux et pour nous."),
]

OFFER_LIFETIME, STANDING_LIFETIME, NEED_LIFETIME = timedelta(days=182), timedelta(days=365), timedelta(days=91)


def _email_for(name: str, index: int) -> str:
    return DEMO_ADMINS.get(name) or f"contact{index:02d}@{DOMAIN}"


def _lifecycle(post, flags: str, days_ago: int, lifetime: timedelta, now) -> None:
    """Dates and status of a demo post created `days_ago` days before `now`."""
    created = now - timedelta(days=days_ago, hours=days_ago % 9)
    post.created_at = post.updated_at = created
    post.expires_at = created + lifetime
    post.status = next((s for s in (PostStatus.PAUSED, PostStatus.CLOSED, PostStatus.EXPIRED)
                        if s.value in flags.split()), PostStatus.OPEN)
    if post.status is PostStatus.PAUSED:
        post.updated_at = created + (now - created) / 2
    elif post.status is PostStatus.CLOSED:
        post.closed_at = post.updated_at = created + (now - created) * 2 / 3
    elif post.status is PostStatus.EXPIRED:
        post.warned_at = post.expires_at - timedelta(days=7)
        post.updated_at = post.expires_at


def _load_posts(counts: dict[str, int]) -> None:
    """Add the demo offers and needs that are missing, identified by (organisation, title),
    for approved organisations only."""
    now = utcnow()
    orgs = {o.name: o for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.status == OrgStatus.APPROVED))}
    competences = {c.code: c for c in db.session.scalars(sa.select(Competence))}
    existing = {model: {tuple(row) for row in db.session.execute(sa.select(model.organisation_id, model.title))}
                for model in (Offer, Need)}
    counts["offers"] = counts["needs"] = 0

    for org_name, code, languages, mode, hours, days_ago, flags, title, description in OFFERS:
        org = orgs.get(org_name)
        if org is None or (org.id, title) in existing[Offer]:
            continue
        standing = "standing" in flags.split()
        offer = Offer(organisation=org, competence=competences[code], title=title, description=description,
                      mode=Mode(mode), monthly_capacity_minutes=hours * 60, standing=standing,
                      conditions=OFFER_CONDITIONS.get(title, ""))
        offer.languages = languages.split()
        _lifecycle(offer, flags, days_ago, STANDING_LIFETIME if standing else OFFER_LIFETIME, now)
        db.session.add(offer)
        counts["offers"] += 1

    for org_name, code, languages, hours, wished_in, days_ago, flags, title, description in NEEDS:
        org = orgs.get(org_name)
        if org is None or (org.id, title) in existing[Need]:
            continue
        need = Need(organisation=org, competence=competences[code], title=title, description=description,
                    urgency=Urgency.URGENT if "urgent" in flags.split() else Urgency.NORMAL,
                    estimated_minutes=hours * 60,
                    wished_by=None if wished_in is None else (now + timedelta(days=wished_in)).date())
        need.languages = languages.split()
        _lifecycle(need, flags, days_ago, NEED_LIFETIME, now)
        db.session.add(need)
        counts["needs"] += 1
    db.session.flush()


def load_demo() -> dict[str, int]:
    """Create what is missing of the demo network (organisations, people, offers and needs);
    never duplicates or overwrites. Returns how many of each were added."""
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
    _load_posts(counts)
    _load_history(counts, coordinator)
    return counts


def _load_history(counts: dict[str, int], coordinator: Person) -> None:
    """A year of exchanges: each open need answered by an offer of the same competence (or
    domain) from another member, its hours declared and confirmed, settled in the ledger on
    the day they happened. Only on a ledger that is still empty."""
    import random
    from datetime import date

    from sem.catalogue.models import Competence
    from sem.exchanges.models import (
        DeclarationStatus,
        Exchange,
        HourDeclaration,
        Proposal,
        ProposalOrigin,
        ProposalStatus,
    )
    from sem.ledger import services as ledger
    from sem.ledger.models import LedgerTransaction
    from sem.market.models import Need, Offer, PostStatus

    counts["exchanges"] = 0
    if db.session.scalar(sa.select(LedgerTransaction.id).limit(1)) is not None:
        return
    rnd = random.Random(2026)
    now = utcnow()
    year_ago = now - timedelta(days=365)
    ledger.grant([None], 60 * 60, actor=coordinator, reason="Dotation initiale du fonds de solidarité",
                 now=year_ago)
    offers = db.session.scalars(sa.select(Offer).where(Offer.status == PostStatus.OPEN).order_by(Offer.id)).all()
    # Needs posted this week wait for the matcher: the history leaves them unanswered.
    needs = db.session.scalars(sa.select(Need).where(Need.created_at < now - timedelta(days=7))
                               .order_by(Need.id)).all()
    domain_of = {c.id: c.domain_id for c in db.session.scalars(sa.select(Competence))}
    plans = []
    for need in needs:
        candidates = [o for o in offers if o.organisation_id != need.organisation_id
                      and o.language_mask & need.language_mask
                      and domain_of[o.competence_id] == domain_of[need.competence_id]]
        candidates.sort(key=lambda o: (o.competence_id != need.competence_id, o.id))
        for offer in candidates[:2]:
            plans.append((need, offer))
    rnd.shuffle(plans)
    plans = plans[:90]
    # Spread over the year, in order, so balances and allowances grow as they would have.
    for n, (need, offer) in enumerate(plans):
        started = year_ago + timedelta(days=int(n * 350 / max(1, len(plans))), hours=rnd.randint(8, 17))
        proposal = Proposal(need=need, offer=offer, origin=ProposalOrigin.PROVIDER, status=ProposalStatus.ACCEPTED,
                            created_at=started, provider_accepted_at=started,
                            recipient_accepted_at=started + timedelta(days=1), decided_at=started + timedelta(days=1))
        exchange = Exchange(proposal=proposal, need=need, offer=offer, provider_id=offer.organisation_id,
                            recipient_id=need.organisation_id, competence_id=need.competence_id,
                            estimate_minutes=need.estimated_minutes, created_at=started + timedelta(days=1))
        db.session.add_all([proposal, exchange])
        db.session.flush()
        for part in range(rnd.choice([1, 1, 2, 3])):
            worked = started + timedelta(days=3 + 7 * part)
            if worked >= now:
                break
            minutes = rnd.choice([60, 90, 120, 150, 180, 240])
            declaration = HourDeclaration(exchange=exchange, worked_on=date.fromordinal(worked.toordinal()),
                                          minutes=minutes, note="", created_at=worked,
                                          declared_by_id=None, status=DeclarationStatus.DECLARED)
            db.session.add(declaration)
            db.session.flush()
            confirmed = worked + timedelta(days=rnd.randint(1, 6))
            try:
                with db.session.begin_nested():
                    tx = ledger.settle_exchange(provider=offer.organisation, recipient=need.organisation,
                                                minutes=minutes, idempotency_key=f"declaration:{declaration.id}",
                                                author=None, competence_id=need.competence_id, memo=need.title,
                                                occurred_on=worked, now=confirmed)
            except ledger.CreditLimitReached:
                declaration.status = DeclarationStatus.CANCELLED
                continue
            declaration.status, declaration.transaction_id = DeclarationStatus.CONFIRMED, tx.id
            declaration.decided_at = confirmed
        counts["exchanges"] += 1
    db.session.flush()
