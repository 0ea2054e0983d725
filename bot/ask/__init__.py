"""``ask``: a free-form question answered from what it says (facts for the engine), the passages
that match it best, in the question's own language; Slack, the terminal and the LLM prompt all
use this package (``bot.ask.answer``)."""
