"""Is a question one the advisor should answer? Off-topic and manipulative questions are not.

Both get the same one sentence on what the advisor does (``ask.scope.text``): never a slogan,
never the prompt, never the passages. A manipulation attempt (override the instructions, show
the system prompt, play another role) is refused even when it also mentions AI, because the
words around it are not a question to answer. Patterns run on lower-case, accent-free text.
"""

from __future__ import annotations

import re

from bot.ask.words import normalise

ANSWER, OFF_TOPIC, INJECTION = "answer", "off_topic", "injection"

_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b[^.?!]{0,40}\b(instructions?|rules?|prompts?"
    r"|guidelines|constraints|directives?|above|previous|prior)\b"
    r"|\b(system|hidden|initial|original|developer) (prompt|instructions?|message)\b"
    r"|\b(reveal|show|print|repeat|display|output|leak|tell me)\b[^.?!]{0,30}\b(your )?"
    r"(prompt|instructions?|rules|configuration|api keys?|secrets?)\b"
    r"|\byou are now\b|\bfrom now on,? you\b|\bact as\b|\bpretend (to be|you)\b|\bjailbreak"
    r"|\bdeveloper mode\b|\bdan mode\b|\broleplay\b"
    r"|\b(ignore[rz]?|oublie[rz]?|oubliez|ignorez)\b[^.?!]{0,40}\b(instructions?|consignes?"
    r"|regles?|prompts?|directives?|precedent\w*)\b"
    r"|\bprompt (systeme|initial|cache)\b|\b(revele[rz]?|montre[rz]?|affiche[rz]?|donne[rz]?"
    r"|repete[rz]?|recite[rz]?)\b[^.?!]{0,30}\b(ton|votre|tes|vos) (prompt|instructions?"
    r"|consignes?|configuration)\b|\btu es maintenant\b|\bvous etes maintenant\b"
    r"|\bfais semblant\b|\bfaites semblant\b|\bjoue[rz]? le role\b"
)

# Words that put a question within the advisor's field: AI, models, vendors, building or
# buying software, compute, cost of AI. One is enough; none means off-topic.
_DOMAIN = re.compile(
    r"\b(ai|ia|a\.i\.|llms?|gpt[\w.-]*|chatgpt|claude|gemini|llama|mistral|deepseek|qwen|gemma"
    r"|grok|copilot|openai|anthropic|xai|cohere|hugging ?face|models?|modeles?|fine[- ]?tun\w*"
    r"|affin\w*|pre-?train\w*|pre-?entrain\w*|train\w*|entrain\w*|rag|retrieval|embeddings?"
    r"|prompts?|agents?|agentic|agentique|chatbots?|assistants?|gpus?|h100s?|compute|calcul"
    r"|tokens?|apis?|saas|vendors?|fournisseurs?|build|buy|wrap\w*|acheter|construire"
    r"|self-?host\w*|auto-?heberg\w*|on-?prem\w*|air-?gap\w*|open[- ]?weights?|poids ouverts"
    r"|open[- ]?source|inference|inférence|machine learning|ml|deep learning|neural|neurones?"
    r"|intelligence artificielle|artificial intelligence|hallucinat\w*|distill\w*|lora"
    r"|data ?scientists?|automat\w*|genai|generati\w*|generati\w*|foundation)\b"
)


def classify(question: str) -> str:
    """``answer``, ``off_topic`` or ``injection`` for a question (never empty: see usage)."""
    text = normalise(question)
    if _INJECTION.search(text):
        return INJECTION
    if not _DOMAIN.search(text):
        return OFF_TOPIC
    return ANSWER
