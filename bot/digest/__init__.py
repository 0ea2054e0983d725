"""The news digest around the pure pipeline of ``bot.news``: storage, schedules, delivery.

``store`` keeps feeds and items, ``pool`` ranks the stored news once per run and cuts it per
team, ``schedule`` says when each recipient's digest is due, ``delivery`` claims and settles
each delivery exactly once, ``jobs`` are the two scheduler jobs, ``commands`` what
``/buildvsbuy digest`` does. Admin views read ``recent_failures``.
"""

from bot.digest.delivery import DeliveryProblem, recent_failures

__all__ = ["DeliveryProblem", "recent_failures"]
