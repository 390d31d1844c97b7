"""The offline policy: answer from the request alone, right or not at all.

With no key, ``nemotron-agents run ... --offline`` runs against the emulator, and its answers
are printed as the answer. So this policy reads a request the way a careful model would and
never states a result a tool did not give:

1. :mod:`.lexer` reads numbers as people write them ("1,250", "3.5", "seven", "2**100"),
   dates and times; :mod:`.parts` splits the request into parts ("..., then ...", "and");
2. each part becomes one step: an arithmetic, percentage or unit-conversion intent
   (:mod:`.grammar`, :mod:`.expressions`), bound to an offered tool by its shape
   (:mod:`.shapes`), or a call of a tool the request names, arguments bound by meaning
   (:mod:`.binding`); what cannot be read with confidence is declined, not guessed;
3. :mod:`.turns` plays the steps over turns: independent steps are parallel calls, a step using
   the previous result ("multiply it by 3") waits for it, a failed call is retried once when
   the error says how to fix it (:mod:`.retry`);
4. :mod:`.answers` writes one sentence per part about the request ("15% of 240 is 36."),
   reports failures in the tool's words, and names declined parts with how to get a real model.

Everything is deterministic and linear in the request's length; nothing evaluates the text (the
calculator tool does the arithmetic).
"""

from nemotron_agents.testing.emulator.offline.answers import DECLINE_HINT, EMULATOR
from nemotron_agents.testing.emulator.offline.turns import message_text, offline_reply

__all__ = ["DECLINE_HINT", "EMULATOR", "message_text", "offline_reply"]
