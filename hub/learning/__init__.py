"""Learning: quiz items from approved content, review, quizzes and micro-modules, FSRS, analytics.

Start at :class:`hub.learning.service.LearningService`. Layers: ``api``/``cli`` (thin) ->
``service`` -> ``generator`` (``facts`` + ``checks``), ``scheduling`` (FSRS), ``analytics``,
``plots``; tables in ``models``. Nothing here runs at import time.
"""
