"""Feeds, pages and polling against a real HTTP server on 127.0.0.1.

Every fixture below is written here, in Japanese, and served by
``http.server`` from a thread: RSS 2.0, Atom, RSS 1.0, Shift_JIS and EUC-JP
feeds, a malformed feed, HTML pages, a 404 and an endpoint too slow to wait for.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from clustertags.cli import main
from clustertags.io.feeds import decode_feed, read_feed_bytes
from clustertags.io.fetch import read_url
from clustertags.io.html import decode_html, html_paragraphs, read_html_bytes
from clustertags.io.readers import InputRecord
from clustertags.io.sources import guess_format, iter_inputs
from clustertags.io.state import PollState

# -- fixtures: feeds ----------------------------------------------------------
RSS2 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>産業ニュース速報</title>
<link>http://news.example.jp/</link>
<description>製造業の動き</description>
<item>
  <title>蓄電池の新工場が稼働</title>
  <link>http://news.example.jp/a/101</link>
  <guid isPermaLink="false">news-101</guid>
  <pubDate>Wed, 01 May 2024 09:00:00 +0900</pubDate>
  <description>要約だけの文章。</description>
  <content:encoded><![CDATA[<p>蓄電池の新しい工場が九州で稼働を始めた。</p><p>再生可能エネルギーで&nbsp;電力をまかなう。</p>]]></content:encoded>
</item>
<item>
  <title>部品不足で&nbsp;生産停止</title>
  <link>http://news.example.jp/a/102</link>
  <guid isPermaLink="false">news-102</guid>
  <pubDate>Thu, 02 May 2024 10:30:00 +0900</pubDate>
  <description>&lt;p&gt;部品が届かず、完成車工場のラインが止まった。&lt;br&gt;再開は来週の見込み。&lt;/p&gt;&lt;div&gt;調達先の分散を急ぐ。&lt;/div&gt;</description>
</item>
<item>
  <title>本文のない記事</title>
  <link>http://news.example.jp/a/103</link>
</item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>技術の窓</title>
  <id>urn:example:tech</id>
  <updated>2024-06-01T00:00:00Z</updated>
  <entry>
    <title>半導体の微細化が進む</title>
    <id>urn:example:tech:1</id>
    <link href="http://tech.example.jp/1"/>
    <published>2024-06-01T08:00:00+09:00</published>
    <updated>2024-06-01T08:00:00+09:00</updated>
    <content type="html">&lt;p&gt;国内の研究所が新しい露光技術を開発した。&lt;/p&gt;&lt;ul&gt;&lt;li&gt;試作は来年。&lt;/li&gt;&lt;li&gt;量産は三年後。&lt;/li&gt;&lt;/ul&gt;</content>
  </entry>
  <entry>
    <title>海外拠点を拡大</title>
    <id>urn:example:tech:2</id>
    <link href="http://tech.example.jp/2"/>
    <updated>2024-06-02T12:00:00Z</updated>
    <summary type="text">東南アジアに販売拠点を新設する。

現地の採用も増やす。</summary>
  </entry>
</feed>
"""

RSS1 = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="http://old.example.jp/">
    <title>地域経済だより</title>
    <link>http://old.example.jp/</link>
    <description>地域の話題</description>
    <items><rdf:Seq><rdf:li rdf:resource="http://old.example.jp/n/7"/></rdf:Seq></items>
  </channel>
  <item rdf:about="http://old.example.jp/n/7">
    <title>港の物流が回復</title>
    <link>http://old.example.jp/n/7</link>
    <description>港の混雑が解消し、輸出の船積みが平常に戻った。</description>
    <dc:date>2024-03-15T07:00:00+09:00</dc:date>
  </item>
</rdf:RDF>
"""

# Shift_JIS as Japanese sites write it: with ①, ㈱ and ～, which only code page 932 has.
SJIS = """<?xml version="1.0" encoding="Shift_JIS"?>
<rss version="2.0"><channel><title>町工場通信</title><link>http://sjis.example.jp/</link><description>古い形式</description>
<item><title>㈱山田製作所が増産</title><link>http://sjis.example.jp/1</link><guid isPermaLink="false">sjis-1</guid>
<description>&lt;p&gt;①精密部品の受注が増え、工場を二交代制にした。&lt;/p&gt;&lt;p&gt;納期は三週間～一か月。&lt;/p&gt;</description></item>
</channel></rss>
"""

EUCJP = """<?xml version="1.0" encoding="EUC-JP"?>
<rss version="2.0"><channel><title>鉄鋼新聞ダイジェスト</title><link>http://euc.example.jp/</link><description>鉄鋼</description>
<item><title>水素で鉄をつくる</title><link>http://euc.example.jp/1</link><guid isPermaLink="false">euc-1</guid>
<description>製鉄所が水素を使う炉の試験を始め、二酸化炭素の排出を減らす。</description></item>
</channel></rss>
"""

MALFORMED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>途中で切れたフィード</title>
<item><title>工場の記事</title><guid>cut-1</guid><description>新しい工場が"""

# -- fixtures: pages ----------------------------------------------------------
PAGE = """<!DOCTYPE html>
<html lang="ja"><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">
<title>電池工場を欧州に新設｜産業ニュース</title></head>
<body>
<header><nav><ul><li><a href="/">トップページ</a></li><li><a href="/biz">経済面</a></li><li><a href="/tech">技術面</a></li></ul></nav></header>
<main><article>
<h1>電池工場を欧州に新設</h1>
<p>大手電池メーカーは、欧州に新しい工場を建設すると発表した。<br>現地の自動車メーカーに供給する。</p>
<p>新工場では再生可能エネルギーで電力をまかない、製造時の二酸化炭素排出を減らす計画だ。</p>
<p>部品の調達先も現地で増やし、物流の混乱に備える。㈱の表記も正しく読める。</p>
</article></main>
<footer><p>無断転載を禁じます。産業ニュース社</p><a href="/privacy">個人情報の取り扱い</a></footer>
</body></html>
"""

PAGE_EUC = """<html><head><title>研究開発の現場</title></head>
<body><div id="menu"><a href="/">ホーム</a> | <a href="/list">記事一覧</a></div>
<article><h1>研究開発の現場</h1>
<p>材料メーカーが新しい炭素繊維の量産技術を確立した。</p>
<p>軽くて強い素材として、航空機や自動車への採用が見込まれている。</p>
</article>
<div class="footer">著作権は各社に帰属します。</div></body></html>
"""


# -- the server ---------------------------------------------------------------
@dataclass
class Route:
    body: bytes
    content_type: str = "application/rss+xml"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0


class FeedServer:
    """A real HTTP server on 127.0.0.1 serving :class:`Route` objects, with ETag and Last-Modified."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, int, dict[str, str]]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = server.routes.get(self.path)
                status = 404 if route is None else route.status
                if route is not None and route.delay:
                    server.release.wait(route.delay)
                if route is not None and status == 200:
                    if route.etag and self.headers.get("If-None-Match") == route.etag:
                        status = 304
                    elif route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified:
                        status = 304
                server.log.append((self.path, status, dict(self.headers)))
                body = b"" if status == 304 else (route.body if route is not None else "見つかりません".encode())
                self.send_response(status)
                self.send_header("Content-Type", route.content_type if route is not None else "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if route is not None and route.etag:
                    self.send_header("ETag", route.etag)
                if route is not None and route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # the slow endpoint writes to a socket the client already closed

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def requests_to(self, path: str) -> list[tuple[int, dict[str, str]]]:
        return [(status, headers) for p, status, headers in self.log if p == path]


@pytest.fixture(scope="module")
def server():
    srv = FeedServer()
    srv.routes.update(
        {
            "/rss2.xml": Route(RSS2.encode("utf-8")),
            "/atom.xml": Route(ATOM.encode("utf-8"), "application/atom+xml"),
            "/rss1.rdf": Route(RSS1.encode("utf-8"), "application/rdf+xml"),
            "/sjis.xml": Route(SJIS.encode("cp932"), "text/xml"),
            "/euc.xml": Route(EUCJP.encode("euc_jp"), "application/xml"),
            "/broken.xml": Route(MALFORMED.encode("utf-8")),
            "/page.html": Route(PAGE.encode("cp932"), "text/html"),
            "/page-euc.html": Route(PAGE_EUC.encode("euc_jp"), "text/html; charset=EUC-JP"),
            "/slow.xml": Route(RSS2.encode("utf-8"), delay=10.0),
            "/gone.xml": Route(b"", status=410),
        }
    )
    srv.thread.start()
    yield srv
    srv.release.set()
    srv.httpd.shutdown()
    srv.httpd.server_close()


def fetch(url: str, **kw) -> list:
    return list(read_url(url, **kw))


# -- feeds --------------------------------------------------------------------
FEED_CASES = [
    (
        "/rss2.xml",
        [
            ("news-101", "蓄電池の新工場が稼働", "蓄電池の新しい工場が九州で稼働を始めた。\n\n再生可能エネルギーで\u00a0電力をまかなう。"),
            ("news-102", "部品不足で\u00a0生産停止", "部品が届かず、完成車工場のラインが止まった。\n再開は来週の見込み。\n\n調達先の分散を急ぐ。"),
            ("http://news.example.jp/a/103", "本文のない記事", ""),
        ],
    ),
    (
        "/atom.xml",
        [
            ("urn:example:tech:1", "半導体の微細化が進む", "国内の研究所が新しい露光技術を開発した。\n\n試作は来年。\n\n量産は三年後。"),
            ("urn:example:tech:2", "海外拠点を拡大", "東南アジアに販売拠点を新設する。\n\n現地の採用も増やす。"),
        ],
    ),
    ("/rss1.rdf", [("http://old.example.jp/n/7", "港の物流が回復", "港の混雑が解消し、輸出の船積みが平常に戻った。")]),
    ("/sjis.xml", [("sjis-1", "㈱山田製作所が増産", "①精密部品の受注が増え、工場を二交代制にした。\n\n納期は三週間～一か月。")]),
    ("/euc.xml", [("euc-1", "水素で鉄をつくる", "製鉄所が水素を使う炉の試験を始め、二酸化炭素の排出を減らす。")]),
]


@pytest.mark.parametrize(("path", "expected"), FEED_CASES, ids=[c[0] for c in FEED_CASES])
def test_feed_over_http_gives_one_record_per_entry(server: FeedServer, path: str, expected: list) -> None:
    records = fetch(server.url(path), input_format="feed")
    assert [(r.id, r.fields["title"], r.text) for r in records] == expected
    assert all(r.error is None and r.fields["source"] == server.url(path) for r in records)
    assert [r.line for r in records] == list(range(1, len(expected) + 1))


@pytest.mark.parametrize(("path", "expected"), FEED_CASES, ids=[c[0] for c in FEED_CASES])
def test_feed_format_is_guessed_from_the_content(server: FeedServer, path: str, expected: list) -> None:
    records = fetch(server.url(path))  # input_format="auto"
    assert [r.text for r in records] == [e[2] for e in expected]


@pytest.mark.parametrize(
    ("feed", "encoding"),
    [(SJIS, "cp932"), (EUCJP, "euc_jp"), (RSS2, "utf-8"), (RSS2.replace('encoding="UTF-8"', 'encoding="utf-16"'), "utf-16")],
)
def test_feed_bytes_decode_with_the_declared_encoding(feed: str, encoding: str) -> None:
    records = list(read_feed_bytes(feed.encode(encoding), "feed.xml"))
    assert records and all(r.error is None for r in records)
    assert records[0].fields["title"] in feed


def test_server_default_charset_does_not_override_the_xml_declaration() -> None:
    text = decode_feed(SJIS.encode("cp932"), charset="ISO-8859-1")
    assert "㈱山田製作所が増産" in text and text.startswith('<?xml version="1.0" encoding="utf-8"?>')


def test_feed_dates_are_iso_8601_utc(server: FeedServer) -> None:
    published = [r.fields["published"] for r in fetch(server.url("/rss2.xml"))][:2]
    assert published == ["2024-05-01T00:00:00+00:00", "2024-05-02T01:30:00+00:00"]
    assert fetch(server.url("/rss1.rdf"))[0].fields["published"] == "2024-03-14T22:00:00+00:00"


def test_wrongly_declared_encoding_is_an_error_not_mojibake() -> None:
    data = SJIS.replace("Shift_JIS", "EUC-JP").encode("cp932")
    (record,) = read_feed_bytes(data, "wrong.xml")
    assert record.error is not None and "cannot decode the feed" in record.error and "euc" in record.error


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (MALFORMED.encode(), "not well-formed XML"),
        ("<html><body><p>フィードではないページ。</p></body></html>".encode(), "not an RSS or Atom feed"),
    ],
)
def test_a_broken_feed_is_one_error_record(data: bytes, message: str) -> None:
    (record,) = read_feed_bytes(data, "bad.xml")
    assert record.text is None and message in record.error
    assert record.error_object() == {"error": {"line": None, "source": "bad.xml", "message": record.error}}


# -- failed fetches -------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("path", "message"),
    [("/missing.xml", "HTTP 404 Not Found"), ("/gone.xml", "HTTP 410 Gone"), ("/broken.xml", "not well-formed XML")],
)
def test_failed_fetch_is_one_error_record(server: FeedServer, path: str, message: str) -> None:
    (record,) = fetch(server.url(path), input_format="feed")
    assert message in record.error and record.source == server.url(path)


def test_slow_server_times_out(server: FeedServer) -> None:
    started = time.monotonic()
    (record,) = fetch(server.url("/slow.xml"), timeout=0.5)
    assert time.monotonic() - started < 3
    assert "timed out after 0.5 s" in record.error


def test_refused_connection_is_an_error_record() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/feed.xml"
    (record,) = fetch(url, timeout=2)
    assert record.error.startswith("cannot fetch") and record.source == url


# -- HTML ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fragment", "paragraphs"),
    [
        ("<p>新工場が稼働した。</p><p>部品を増やす。</p>", ["新工場が稼働した。", "部品を増やす。"]),
        ("一行目の文。<br>二行目の文。", ["一行目の文。\n二行目の文。"]),
        ("<div>  輸出が  増えた。\n</div><ul><li>一つ目</li><li>二つ目</li></ul>", ["輸出が 増えた。", "一つ目", "二つ目"]),
        ("<p>全角の\u3000空白は残す。</p><script>var x = 1;</script>", ["全角の\u3000空白は残す。"]),
        ("<p>&lt;記号&gt;と&amp;の実体参照。</p>", ["<記号>と&の実体参照。"]),
        ("", []),
    ],
)
def test_html_fragment_paragraphs(fragment: str, paragraphs: list[str]) -> None:
    assert html_paragraphs(fragment) == paragraphs


@pytest.mark.parametrize(
    ("path", "title", "paragraphs", "boilerplate"),
    [
        (
            "/page.html",
            "電池工場を欧州に新設",
            [
                "大手電池メーカーは、欧州に新しい工場を建設すると発表した。\n現地の自動車メーカーに供給する。",
                "新工場では再生可能エネルギーで電力をまかない、製造時の二酸化炭素排出を減らす計画だ。",
                "部品の調達先も現地で増やし、物流の混乱に備える。㈱の表記も正しく読める。",
            ],
            ["トップページ", "無断転載", "個人情報"],
        ),
        (
            "/page-euc.html",
            "研究開発の現場",
            ["材料メーカーが新しい炭素繊維の量産技術を確立した。", "軽くて強い素材として、航空機や自動車への採用が見込まれている。"],
            ["記事一覧", "著作権"],
        ),
    ],
)
def test_html_page_main_text_only(server: FeedServer, path: str, title: str, paragraphs: list[str], boilerplate: list[str]) -> None:
    (record,) = fetch(server.url(path))  # auto: text/html
    assert record.error is None and record.fields["title"] == title
    assert record.text == "\n\n".join(paragraphs)
    assert not any(word in record.text for word in boilerplate)


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        (PAGE.encode("cp932"), None, "㈱"),
        (PAGE_EUC.encode("euc_jp"), "EUC-JP", "炭素繊維"),
        (PAGE_EUC.encode("euc_jp"), None, "炭素繊維"),  # nothing declared: EUC-JP is tried
        (PAGE_EUC.encode("cp932"), None, "炭素繊維"),  # nothing declared: then Shift_JIS
        (b"\xef\xbb\xbf" + PAGE_EUC.encode("utf-8"), "EUC-JP", "炭素繊維"),  # a BOM beats the header
    ],
)
def test_html_decoding(data: bytes, charset: str | None, expected: str) -> None:
    assert expected in decode_html(data, charset)


def test_undecodable_page_is_an_error_record() -> None:
    data = PAGE.replace("Shift_JIS", "UTF-8").encode("cp932")
    (record,) = read_html_bytes(data, "page.html")
    assert "not valid utf-8" in record.error


@pytest.mark.parametrize(
    ("head", "name", "content_type", "expected"),
    [
        (b'{"text": "x"}\n', "", "", "jsonl"),
        (b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- c -->\n<rss version='2.0'>", "", "", "feed"),
        (b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>", "", "", "feed"),
        (b"<?xml version='1.0'?><rdf:RDF xmlns:rdf='x'>", "", "", "feed"),
        (b"<!DOCTYPE html><html><body>", "", "", "html"),
        ("<div><p>断片</p></div>".encode(), "", "", "html"),
        ("<株式会社>の決算。".encode(), "", "", "text"),
        ("工場が稼働した。".encode(), "", "", "text"),
        (b"", "archive.jsonl.gz", "", "jsonl"),
        (b"", "https://x.jp/rss.rdf?page=2", "", "feed"),
        (b"<whatever>", "", "application/atom+xml; charset=utf-8", "feed"),
        (b"", "", "text/html; charset=Shift_JIS", "html"),
    ],
)
def test_guess_format(head: bytes, name: str, content_type: str, expected: str) -> None:
    assert guess_format(head, name, content_type) == expected


def test_feed_files_and_gzip_through_iter_inputs(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "sjis.xml").write_bytes(SJIS.encode("cp932"))
    (tmp_path / "atom.xml.gz").write_bytes(gzip.compress(ATOM.encode()))
    records = list(iter_inputs([str(tmp_path / "sjis.xml"), str(tmp_path / "atom.xml.gz"), str(tmp_path / "none.xml")]))
    assert [r.id for r in records[:3]] == ["sjis-1", "urn:example:tech:1", "urn:example:tech:2"]
    assert records[3].error == "cannot open: No such file or directory"


# -- polling --------------------------------------------------------------------
def _tag(args: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    status = main(["tag", "--format", "jsonl", "--quiet", "--timeout", "5", "-o", str(out), *args])
    capsys.readouterr()
    return status, [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_polling_twice_tags_only_new_entries(server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server.routes["/poll-a.xml"] = Route(ATOM.encode(), "application/atom+xml", etag='"a-1"')
    server.routes["/poll-b.xml"] = Route(RSS2.encode(), last_modified="Wed, 01 May 2024 01:00:00 GMT")
    feeds = [server.url("/poll-a.xml"), server.url("/poll-b.xml")]
    state_file = tmp_path / "state.json"

    status, first = _tag([*feeds, "--state", str(state_file)], tmp_path / "1.jsonl", capsys)
    assert status == 0
    assert [r["id"] for r in first] == ["urn:example:tech:1", "urn:example:tech:2", "news-101", "news-102", "http://news.example.jp/a/103"]
    assert first[0]["themes"] and "paragraphs" in first[0]
    state = json.loads(state_file.read_text(encoding="utf-8"))
    assert state["feeds"][feeds[0]]["etag"] == '"a-1"'
    assert state["feeds"][feeds[1]]["last_modified"] == "Wed, 01 May 2024 01:00:00 GMT"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left

    # Feed A is unchanged (the server answers 304); feed B has a new entry first.
    new_item = "<item><title>新規の記事</title><guid isPermaLink='false'>news-104</guid><description>輸出向けの生産を増やす。</description></item>"
    server.routes["/poll-b.xml"] = Route(
        RSS2.replace("<item>", new_item + "<item>", 1).encode(), last_modified="Thu, 02 May 2024 01:00:00 GMT"
    )
    status, second = _tag([*feeds, "--state", str(state_file)], tmp_path / "2.jsonl", capsys)
    assert status == 0
    assert [r["id"] for r in second] == ["news-104"]
    (a_status, a_headers) = server.requests_to("/poll-a.xml")[-1]
    assert a_status == 304 and a_headers["If-None-Match"] == '"a-1"'
    assert server.requests_to("/poll-b.xml")[-1][1]["If-Modified-Since"] == "Wed, 01 May 2024 01:00:00 GMT"

    status, third = _tag([*feeds, "--state", str(state_file)], tmp_path / "3.jsonl", capsys)
    assert (status, third) == (0, [])
    assert [s for s, _ in server.requests_to("/poll-b.xml")] == [200, 200, 304]


def test_failed_fetch_keeps_the_state(server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state_file = tmp_path / "state.json"
    status, out = _tag([server.url("/broken.xml"), server.url("/missing.xml"), "--state", str(state_file)], tmp_path / "o.jsonl", capsys)
    assert status == 1
    assert [r["error"]["source"] for r in out] == [server.url("/broken.xml"), server.url("/missing.xml")]
    assert json.loads(state_file.read_text())["feeds"] == {}


def test_a_run_cut_short_loses_no_entry(server: FeedServer, tmp_path: Path) -> None:
    """Entries are remembered when written, validators when a feed is done: a crash re-tags, never skips."""
    server.routes["/crash-a.xml"] = Route(ATOM.encode(), "application/atom+xml", etag='"ca"')
    server.routes["/crash-b.xml"] = Route(RSS2.encode(), etag='"cb"')
    a, b = server.url("/crash-a.xml"), server.url("/crash-b.xml")
    path = tmp_path / "state.json"
    state = PollState.load(path)
    records = iter_inputs([a, b], state=state)
    for _ in range(3):  # all of feed A, then the first entry of feed B, are "written"
        state.written(next(records))
    # The process dies here: no more calls, no final save.  The file on disk is what the next run sees.
    after = PollState.load(path)
    assert after.validators(a) == ('"ca"', None) and len(after.seen(a)) == 2
    assert after.validators(b) == (None, None) and after.seen(b) == frozenset()
    again = list(iter_inputs([a, b], state=after))
    assert [r.id for r in again] == ["news-101", "news-102", "http://news.example.jp/a/103"]


def test_state_file_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    state = PollState.load(path)
    state.begin("feed.xml", etag='"1"')
    assert state.expect("feed.xml", "entry-1")
    state.finish("feed.xml", complete=True)
    state.written(InputRecord("feed.xml", 1, id="entry-1"))
    before = path.read_bytes()
    assert json.loads(before)["feeds"]["feed.xml"] == {"etag": '"1"', "last_modified": None, "seen": ["entry-1"]}

    def crash(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    state.begin("other.xml")
    with pytest.raises(OSError, match="disk full"):
        state.finish("other.xml", complete=True)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "not valid JSON"), (b'{"format": "something-else"}', "not a clustertags polling state file")],
)
def test_bad_state_file_says_what_to_do(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        PollState.load(path)
