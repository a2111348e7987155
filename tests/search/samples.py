"""Small search corpora built directly as SearchDocuments: no database, no packs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from eduhub.search.documents import SearchDocument

BASE = datetime(2025, 1, 1, tzinfo=UTC)


def doc(doc_id: str, title: str, body: str = "", **fields: Any) -> SearchDocument:
    """A lesson with sensible defaults; any SearchDocument field can be overridden."""
    values: dict[str, Any] = {
        "id": doc_id,
        "kind": "lesson",
        "url": f"/lessons/{doc_id}",
        "title": title,
        "summary": "",
        "body": body,
        "language": "en",
        "subjects": ("science",),
        "level": "6-8",
        "org": "northmere",
        "org_name": "Northmere Schools",
        "city": "Northmere",
        "course": "northmere/basics",
        "course_title": "Basics",
        "updated": BASE,
    }
    values.update(fields)
    return SearchDocument(**values)


def corpus() -> list[SearchDocument]:
    """Twenty-odd lessons and two courses in several languages, subjects and cities."""
    day = timedelta(days=1)
    return [
        doc(
            "photosynthesis",
            "Photosynthesis in green plants",
            "Plants use light to turn water and carbon dioxide into sugar. "
            "Photosynthesis happens in the chloroplasts of every leaf.",
            summary="How leaves make food from light.",
            headings=("Light and leaves", "Chloroplasts"),
            subjects=("science",),
            updated=BASE + 1 * day,
        ),
        doc(
            "photography",
            "Photography for beginners",
            "Take photographs of your neighbourhood with any camera or phone.",
            subjects=("arts",),
            level="9-12",
            updated=BASE + 2 * day,
        ),
        doc(
            "python-maps",
            "Making maps with Python",
            "We draw maps of the city with Python and the folium library. "
            "import folium\nm = folium.Map(location=[45.5, -73.6])",
            subjects=("programming", "geography"),
            level="9-12",
            org="riverbend",
            org_name="Riverbend District",
            city="Riverbend",
            course="riverbend/coding",
            course_title="Coding with data",
            updated=BASE + 3 * day,
        ),
        doc(
            "python-intro",
            "A first look at Python",
            "Variables, loops and functions. print('hello') is your first program.",
            subjects=("programming",),
            level="9-12",
            org="riverbend",
            org_name="Riverbend District",
            city="Riverbend",
            course="riverbend/coding",
            course_title="Coding with data",
            updated=BASE + 4 * day,
        ),
        doc(
            "paper-maps",
            "Reading paper maps",
            "A compass and a paper map are all you need to find your way.",
            subjects=("geography",),
            updated=BASE + 5 * day,
        ),
        doc(
            "data-cleaning",
            "Data cleaning with spreadsheets",
            "Data cleaning means fixing typos and gaps before any analysis.",
            subjects=("data",),
            level="adult",
            updated=BASE + 6 * day,
        ),
        doc(
            "cleaning-data-later",
            "Tidy tables",
            "After the cleaning is done, the data can be shared with others.",
            subjects=("data",),
            level="adult",
            updated=BASE + 7 * day,
        ),
        doc(
            "educacion",
            "La educación pública en América Latina",
            "La educación pública creció durante el siglo veinte en muchas ciudades.",
            language="es",
            subjects=("history",),
            org="valle-serena",
            org_name="Valle Serena",
            city="Valle Serena",
            course="valle-serena/historia",
            course_title="Historia",
            updated=BASE + 8 * day,
        ),
        doc(
            "bibliotecas",
            "Las bibliotecas de la ciudad",
            "Las bibliotecas públicas prestan libros y ofrecen talleres gratuitos.",
            language="es-MX",
            subjects=("history",),
            org="valle-serena",
            org_name="Valle Serena",
            city="Valle Serena",
            course="valle-serena/historia",
            course_title="Historia",
            updated=BASE + 9 * day,
        ),
        doc(
            "bibliotheques",
            "Les bibliothèques et leurs lecteurs",
            "Les bibliothèques municipales accueillent des élèves chaque semaine.",
            language="fr",
            subjects=("history",),
            updated=BASE + 10 * day,
        ),
        doc(
            "programacao",
            "Introdução à programação",
            "Os programadores escrevem programas. A programação exige prática diária.",
            language="pt-BR",
            subjects=("programming",),
            updated=BASE + 11 * day,
        ),
        doc(
            "japanese",
            "日本語で学ぶ機械学習",
            "この授業では機械学習の基礎を日本語で学びます。データを集めて分析します。",
            language="ja",
            subjects=("data",),
            updated=BASE + 12 * day,
        ),
        doc(
            "chinese",
            "中文编程入门",
            "我们用中文学习编程的基本概念。",
            language="zh-Hans",
            subjects=("programming",),
            updated=BASE + 13 * day,
        ),
        doc(
            "arabic",
            "مَرْحَبًا بِالعَالَم",
            "هذا درس عن الكتابة العربية والقراءة.",
            language="ar",
            subjects=("language",),
            updated=BASE + 14 * day,
        ),
        doc(
            "hebrew",
            "שָׁלוֹם עוֹלָם",
            "שיעור על קריאה וכתיבה בעברית.",
            language="he",
            subjects=("language",),
            updated=BASE + 15 * day,
        ),
        doc(
            "hostile",
            "Escaping <script> tags",
            "Never trust input like <script>alert('x')</script> or <b onclick=evil()>.",
            subjects=("programming",),
            updated=BASE + 16 * day,
        ),
        doc(
            "course:riverbend/coding",
            "Coding with data",
            "Making maps with Python\nA first look at Python",
            kind="course",
            url="/courses/riverbend/coding",
            summary="Learn Python by making maps.",
            subjects=("programming",),
            level="9-12",
            org="riverbend",
            org_name="Riverbend District",
            city="Riverbend",
            course="riverbend/coding",
            course_title="Coding with data",
            updated=BASE + 17 * day,
        ),
        doc(
            "course:valle-serena/historia",
            "Historia",
            "La educación pública\nLas bibliotecas de la ciudad",
            kind="course",
            url="/courses/valle-serena/historia",
            language="es",
            subjects=("history",),
            org="valle-serena",
            org_name="Valle Serena",
            city="Valle Serena",
            course="valle-serena/historia",
            course_title="Historia",
            updated=BASE + 18 * day,
        ),
    ]
