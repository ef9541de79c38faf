"""Load the product's expertise topics' names in Spanish, Portuguese (Brazil), French, Simplified Chinese and
Arabic (first versions written by the team, see docs/translations.md), one name per topic and language.

A data migration: it describes the tables it writes to itself, so later changes to the live table classes
cannot change what it does.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.table import Table

ID = "2026-12-01T21:14:16:000000"
VERSION = "1.38.0"
DESCRIPTION = "Topic names in five languages"

LOCALES = ("es", "pt_BR", "fr", "zh_Hans", "ar")
# slug: names in the order of LOCALES
TOPIC_NAMES = {
    "arterial-pad": (
        "Enfermedad arterial y EAP",
        "Doença arterial e DAOP",
        "Maladie artérielle et AOMI",
        "动脉疾病与外周动脉疾病",
        "أمراض الشرايين ومرض الشرايين الطرفية",
    ),
    "aortic": (
        "Aorta y tratamiento endovascular",
        "Aorta e tratamento endovascular",
        "Aorte et endovasculaire",
        "主动脉与血管腔内治疗",
        "الشريان الأبهر والعلاج داخل الأوعية",
    ),
    "venous": (
        "Enfermedad venosa, TVP/TEP",
        "Doença venosa, TVP/TEP",
        "Maladie veineuse, TVP/EP",
        "静脉疾病、深静脉血栓/肺栓塞",
        "أمراض الأوردة، الخثار الوريدي العميق والانصمام الرئوي",
    ),
    "dialysis-access": (
        "Diálisis y acceso vascular",
        "Diálise e acesso vascular",
        "Dialyse et abord vasculaire",
        "透析与血管通路",
        "غسيل الكلى والمداخل الوعائية",
    ),
    "embolization": (
        "Embolización en hemorragia y trauma",
        "Embolização em hemorragia e trauma",
        "Embolisation des hémorragies et des traumatismes",
        "出血与创伤的栓塞治疗",
        "الإصمام في النزف والرضوح",
    ),
    "womens-health": (
        "Salud de la mujer, embolización uterina",
        "Saúde da mulher, embolização uterina",
        "Santé de la femme, embolisation utérine",
        "女性健康、子宫动脉栓塞",
        "صحة المرأة، إصمام الشريان الرحمي",
    ),
    "mens-health": (
        "Salud del hombre, embolización prostática",
        "Saúde do homem, embolização prostática",
        "Santé de l’homme, embolisation prostatique",
        "男性健康、前列腺动脉栓塞",
        "صحة الرجل، إصمام الشريان البروستاتي",
    ),
    "interventional-oncology": (
        "Oncología intervencionista: TACE, Y-90, ablación",
        "Oncologia intervencionista: TACE, Y-90, ablação",
        "Oncologie interventionnelle : TACE, Y-90, ablation",
        "介入肿瘤学：TACE、钇-90、消融",
        "الأورام التداخلية: TACE وY-90 والاستئصال",
    ),
    "portal-hypertension": (
        "Hipertensión portal: TIPS, BRTO",
        "Hipertensão portal: TIPS, BRTO",
        "Hypertension portale : TIPS, BRTO",
        "门静脉高压：TIPS、BRTO",
        "ارتفاع ضغط الوريد البابي: TIPS وBRTO",
    ),
    "hepatobiliary": (
        "Vías biliares y digestivo",
        "Vias biliares e trato gastrointestinal",
        "Voies biliaires et digestives",
        "胆道与胃肠道",
        "القنوات الصفراوية والجهاز الهضمي",
    ),
    "genitourinary": (
        "Genitourinario no vascular",
        "Geniturinário não vascular",
        "Génito-urinaire non vasculaire",
        "非血管性泌尿生殖介入",
        "الجهاز البولي التناسلي غير الوعائي",
    ),
    "biopsy-drainage": (
        "Biopsia y drenaje guiados por imagen",
        "Biópsia e drenagem guiadas por imagem",
        "Biopsie et drainage guidés par l’imagerie",
        "影像引导下活检与引流",
        "الخزعة والتصريف الموجهان بالتصوير",
    ),
    "neuro-ir": (
        "Neurointervencionismo",
        "Neurorradiologia intervencionista",
        "Neuroradiologie interventionnelle",
        "神经介入",
        "الأشعة التداخلية العصبية",
    ),
    "msk-pain": (
        "Musculoesquelético y dolor",
        "Musculoesquelético e dor",
        "Appareil locomoteur et douleur",
        "肌肉骨骼与疼痛",
        "الجهاز العضلي الهيكلي والألم",
    ),
    "pediatric-ir": (
        "Radiología intervencionista pediátrica",
        "Radiologia intervencionista pediátrica",
        "Radiologie interventionnelle pédiatrique",
        "儿科介入放射学",
        "الأشعة التداخلية للأطفال",
    ),
    "lymphatic": (
        "Intervenciones linfáticas",
        "Intervenções linfáticas",
        "Interventions lymphatiques",
        "淋巴介入治疗",
        "التداخلات اللمفاوية",
    ),
    "ir-practice": (
        "Práctica clínica en RI, seguridad, enfermería y técnicos",
        "Prática clínica em RI, segurança, enfermagem e técnicos",
        "Pratique clinique en RI, sécurité, soins infirmiers et manipulateurs",
        "介入放射临床实践、安全、护理与技师",
        "الممارسة السريرية للأشعة التداخلية والسلامة والتمريض والفنيون",
    ),
}
LOCALES = ("es", "pt_BR", "fr", "zh_Hans", "ar")



class Topic(Table, tablename="topic"):
    slug = Varchar(length=64)


class TopicName(Table, tablename="topic_name"):
    topic = Varchar(length=64)
    locale = Varchar(length=16)
    name = Varchar(length=200)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giveback", description=DESCRIPTION)

    async def load():
        await TopicName.raw("CREATE UNIQUE INDEX topic_name_topic_locale ON topic_name (topic, locale)")
        present = {row["slug"] for row in await Topic.select(Topic.slug)}
        rows = [
            TopicName(topic=slug, locale=locale, name=name)
            for slug, names in TOPIC_NAMES.items()
            if slug in present
            for locale, name in zip(LOCALES, names)
        ]
        if rows:
            await TopicName.insert(*rows)

    async def unload():
        await TopicName.delete().where(TopicName.topic.is_in(list(TOPIC_NAMES)))
        await TopicName.raw("DROP INDEX IF EXISTS topic_name_topic_locale")

    manager.add_raw(load)
    manager.add_raw_backwards(unload)
    return manager
