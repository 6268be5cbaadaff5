"""A page with the playground's Block Kit renderer loaded, driven from Python (the browser is the
`chromium` fixture of tests/browser/conftest.py: system Chromium, skipped locally / failed on CI if missing).

No web server and no network: the page is set from a string with the renderer's JS and CSS inlined,
read from the installed package as the playground serves them."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

PAGE = Path(__file__).with_name("blockkit_page.html")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "blockkit"


def static_text(name: str) -> str:
    return (resources.files("bot") / "playground" / "static" / name).read_text(encoding="utf-8")


def page_html() -> str:
    js, css = static_text("blockkit.js"), static_text("blockkit.css")
    # Inlined into <script>: a literal "</script" would end the element early.
    assert "</script" not in js.lower()
    return PAGE.read_text(encoding="utf-8").replace("/*BLOCKKIT_CSS*/", css).replace("/*BLOCKKIT_JS*/", js)


def plain_json(value: Any) -> Any:
    """Builders use StrEnum ids; hand the browser exactly what Slack would receive (plain JSON)."""
    return json.loads(json.dumps(value))


class Screen:
    """What a person sees of one rendered message or view, and what the renderer reported back."""

    def __init__(self, page: Any):
        self.page = page

    def show_view(self, view: dict[str, Any], **options: Any) -> Screen:
        self.page.evaluate("([d, o]) => show('view', d, o)", [plain_json(view), plain_json(options)])
        return self

    def show_blocks(self, blocks: list[dict[str, Any]], **options: Any) -> Screen:
        self.page.evaluate("([d, o]) => show('blocks', d, o)", [plain_json(blocks), plain_json(options)])
        return self

    @property
    def root(self) -> Any:
        return self.page.locator("#stage > .bk-root")

    def block(self, block_id: str) -> Any:
        return self.root.locator(f'.bk-block[data-block-id="{block_id}"]')

    def control(self, block_id: str, action_id: str = "value") -> Any:
        return self.root.locator(f'[data-block-id="{block_id}"][data-action-id="{action_id}"]')

    def button(self, text: str) -> Any:
        return self.root.get_by_role("button", name=text, exact=True)

    def text(self) -> str:
        return self.root.inner_text()

    def state(self) -> dict[str, Any]:
        return self.page.evaluate("() => BlockKit.collectState(window.root)")

    def values(self) -> dict[str, dict[str, Any]]:
        return self.state()["values"]

    def actions(self) -> list[dict[str, Any]]:
        return self.page.evaluate("() => window.actions")

    def submitted(self) -> list[dict[str, Any]]:
        return self.page.evaluate("() => window.submitted")

    def errors_shown(self) -> dict[str, str]:
        return self.page.evaluate("""() => Object.fromEntries(
            [...window.root.querySelectorAll('.bk-input.bk-has-error')].map(
                (b) => [b.dataset.blockId, b.querySelector(':scope > .bk-error').innerText]))""")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.locator("#stage").screenshot(path=str(path))
        return path
