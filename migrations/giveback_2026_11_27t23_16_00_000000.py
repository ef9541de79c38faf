"""Pre-load the product's expertise topics and the seed page's national and regional IR societies.

A data migration: it describes the two tables it writes to itself, so later changes to the live
table classes cannot change what it does.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Boolean, Integer, Varchar
from piccolo.table import Table

ID = "2026-11-27T23:16:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Seed topics and societies"

TOPICS = [
    ("arterial-pad", "Arterial disease and PAD"),
    ("aortic", "Aortic and endovascular"),
    ("venous", "Venous disease, DVT/PE"),
    ("dialysis-access", "Dialysis and vascular access"),
    ("embolization", "Embolization for hemorrhage and trauma"),
    ("womens-health", "Women's health, UFE"),
    ("mens-health", "Men's health, PAE"),
    ("interventional-oncology", "Interventional oncology: TACE, Y-90, ablation"),
    ("portal-hypertension", "Portal hypertension: TIPS, BRTO"),
    ("hepatobiliary", "Biliary and GI"),
    ("genitourinary", "Non-vascular GU"),
    ("biopsy-drainage", "Image-guided biopsy and drainage"),
    ("neuro-ir", "Neuro-interventional"),
    ("msk-pain", "Musculoskeletal and pain"),
    ("pediatric-ir", "Pediatric IR"),
    ("lymphatic", "Lymphatic interventions"),
    ("ir-practice", "Clinical IR practice, safety, nursing and technologists"),
]

# (name, short name, country or None for regional societies, region)
SOCIETIES = [
    ("Asia Pacific Society of Cardiovascular and Interventional Radiology", "APSCVIR", None, "asia-pacific"),
    ("Austrian Society of Interventional Radiology", "ASIR", "AT", "europe"),
    (
        "Brazilian Society of Interventional Radiology and Endovascular Surgery",
        "SoBRICE",
        "BR",
        "latin-america",
    ),
    ("British Society of Interventional Radiology", "BSIR", "GB", "europe"),
    ("Bulgarian Society of Interventional Radiology", "", "BG", "europe"),
    ("Canadian Association for Interventional Radiology", "CAIR", "CA", "north-america"),
    ("Cardiovascular and Interventional Radiological Society of Europe", "CIRSE", None, "europe"),
    (
        "Cardiovascular and Interventional Radiology Section within the Singapore Radiological Society",
        "CVIR Section of SRS",
        "SG",
        "asia-pacific",
    ),
    ("Cardiovascular and Interventional Radiology Society of Hungary", "MACIRT", "HU", "europe"),
    ("Chinese Society of Interventional Radiology", "CVIR", "CN", "asia-pacific"),
    ("Colegio Argentino de Radiología Vascular e Intervencionista", "CARVI", "AR", "latin-america"),
    ("Croatian Society of Interventional Radiology", "CSR", "HR", "europe"),
    ("Czech Society of Interventional Radiology", "CSIR", "CZ", "europe"),
    ("Danish Society of Interventional Radiology", "DFIR", "DK", "europe"),
    ("Dutch Society of Interventional Radiology", "NGIR", "NL", "europe"),
    ("Egyptian Society of Interventional Radiology", "ESIR", "EG", "middle-east"),
    ("European Society of Radiology / European Congress of Radiology", "ESR/ECR", None, "europe"),
    ("Federación Argentina de Asociaciones de Radiología", "FAARDIT", "AR", "latin-america"),
    ("Finnish Society of Interventional Radiology", "FSIR", "FI", "europe"),
    ("Georgian Association of Cardiovascular and Interventional Radiology", "GACIR", "GE", "europe"),
    ("German Society of Interventional Radiology and Minimally Invasive Therapy", "DeGIR", "DE", "europe"),
    ("Ghana Society of Interventional Radiology", "", "GH", "africa"),
    (
        "Hellenic Society of Interventional Radiology, Vascular Radiology and Neuroradiology",
        "GSIR",
        "GR",
        "europe",
    ),
    ("Hong Kong Society of Interventional Radiology", "HKSIR", "HK", "asia-pacific"),
    ("Hungarian Society of Cardiovascular and Interventional Radiology", "HSIR", "HU", "europe"),
    ("Iberoamerican Society of Interventional Radiology", "SIDI", None, "latin-america"),
    ("Indian Society of Vascular and Interventional Radiology", "ISVIR", "IN", "asia-pacific"),
    ("Interventional Radiology Section, Polish Medical Society of Radiology", "PLTR", "PL", "europe"),
    ("Interventional Radiology Society of Australasia", "IRSA", "AU", "asia-pacific"),
    ("Irish Society of Interventional Radiology", "ISIR", "IE", "europe"),
    ("Israeli Society of Interventional Radiology", "ILSIR", "IL", "middle-east"),
    ("Japanese Society of Interventional Radiology", "JSIR", "JP", "asia-pacific"),
    ("Korean Society of Interventional Radiology", "KSIR", "KR", "asia-pacific"),
    ("Mongolian Society of Interventional Radiology", "", "MN", "asia-pacific"),
    ("Pan Arab Interventional Radiology Society", "PAIRS", None, "middle-east"),
    ("Philippine Society of Vascular and Interventional Radiology", "", "PH", "asia-pacific"),
    (
        "Portuguese Section of Interventional Radiology of the Portuguese Society of Radiology and Nuclear Medicine",
        "NURIP/SPRMN",
        "PT",
        "europe",
    ),
    ("Radiology Society of France", "SFR", "FR", "europe"),
    (
        "Section of Cardiovascular and Interventional Radiology of the Royal Belgian Radiological Society",
        "RBRS",
        "BE",
        "europe",
    ),
    ("Saudi Interventional Radiology Society", "SIRS", "SA", "middle-east"),
    ("Seldinger Society of Vascular and Interventional Radiology", "SSVIR", "RU", "europe"),
    ("Sezione di Studio della SIRM di Radiologia Vascolare ed Interventistica", "SIRM", "IT", "europe"),
    ("Sociedad Argentina de Radiología", "SAR", "AR", "latin-america"),
    ("Society for Medical Innovation and Technology", "SMIT", None, None),
    ("Society of Interventional Onco-Radiology", "RSIOR", "RU", "europe"),
    ("Spanish Society of Vascular and Interventional Radiology", "SERVEI", "ES", "europe"),
    ("Swiss Society of Cardiovascular and Interventional Radiology", "SSCVIR", "CH", "europe"),
    ("Turkish Society of Interventional Radiology", "TGRD", "TR", "europe"),
    ("Taiwanese Radiological Society", "", "TW", "asia-pacific"),
    ("Thai Society of Vascular and Interventional Radiology", "TSVIR", "TH", "asia-pacific"),
    (
        "Working Group of Cardiovascular and Interventional Radiology of the Slovak Radiological Society",
        "PSKVIR",
        "SK",
        "europe",
    ),
]


class Topic(Table, tablename="topic"):
    slug = Varchar(length=64)
    name = Varchar(length=200)
    position = Integer()
    retired = Boolean()


class Organization(Table, tablename="organization"):
    name = Varchar(length=300)
    short_name = Varchar(length=60)
    kind = Varchar(length=20)
    country = Varchar(length=2, null=True)
    region = Varchar(length=20, null=True)
    affiliate = Boolean()
    website = Varchar(length=500)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giveback", description=DESCRIPTION)

    async def load():
        await Topic.insert(
            *[Topic(slug=slug, name=name, position=index, retired=False) for index, (slug, name) in enumerate(TOPICS)]
        )
        await Organization.insert(
            *[
                Organization(
                    name=name,
                    short_name=short,
                    kind="society",
                    country=country,
                    region=region,
                    affiliate=True,
                    website="",
                )
                for name, short, country, region in SOCIETIES
            ]
        )

    async def unload():
        await Organization.delete().where(Organization.name.is_in([society[0] for society in SOCIETIES]))
        await Topic.delete().where(Topic.slug.is_in([slug for slug, _ in TOPICS]))

    manager.add_raw(load)
    manager.add_raw_backwards(unload)
    return manager
