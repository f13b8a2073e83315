"""The Gradio UI, mounted at ``/`` by :func:`ui.app.mount`; it calls the hub's services in process.

Start at :mod:`ui.app` (sign-in and the tabs). One module per tab: :mod:`ui.ask`, :mod:`ui.learn`,
:mod:`ui.library` (with :mod:`ui.quiz_review`), :mod:`ui.compliance`, :mod:`ui.analytics`,
:mod:`ui.users`. Roles and server-side checks: :mod:`ui.session`. HTML and escaping: :mod:`ui.render`.
Look: :mod:`ui.theme`. Demo site, browser helpers and screenshots: :mod:`ui.demo`, :mod:`ui.browser`,
:mod:`ui.screenshots`.
"""
