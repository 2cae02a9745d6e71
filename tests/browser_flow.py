"""A browser test's flow run so that a failure says what the browser logged and what the
page showed (forms' errors, the open popup, the summary), not only which wait timed out."""

from __future__ import annotations

FORM_ERRORS = ("[...document.querySelectorAll('.form-error, .field-error')].map(e => "
               "e.textContent).filter(Boolean).join(' | ')")


def run_explained(browser, page_text_js: str, flow, *args) -> None:
    """``flow(*args)``; if it raises, an AssertionError with the last console lines and
    what ``page_text_js`` (a JavaScript expression) reads from the page."""
    try:
        flow(*args)
    except Exception as exc:
        logs = [e["message"] for e in browser.get_log("browser")]
        said = browser.execute_script(f"return {page_text_js}")
        raise AssertionError(f"{exc!r}; browser console: {logs[-15:]}; page: {said}") from exc
