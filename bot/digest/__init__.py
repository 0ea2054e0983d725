"""The news digest around the pure pipeline of ``bot.news``: storage, schedules, delivery.

``store`` keeps feeds and items, ``pool`` ranks the stored news once per run and cuts it per
team, ``schedule`` says when each recipient's digest is due, ``delivery`` claims and settles
each delivery exactly once. No Slack here: ``bot.messaging`` sends (the runs and
``/buildvsbuy digest``), ``bot.jobs.digest`` schedules. Admin views read ``recent_failures``.
"""

from bot.digest.delivery import DeliveryProblem, recent_failures

__all__ = ["DeliveryProblem", "recent_failures"]
