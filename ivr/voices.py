"""Twilio's text-to-speech voices: which language each speaks, and how each reads digits.

Sources: Twilio's "Text-to-speech" voice list (Amazon Polly and Google voices
offered in <Say>) and Amazon Polly's "Available voices" table. Google voices
carry their language in their name (Google.lt-LT-Standard-A); Polly voices do
not, so the ones a council in the UK might use are listed here.
"""
from __future__ import annotations

import re

POLLY_LANGUAGES = {
    # British and Irish English
    "Amy": "en-GB", "Emma": "en-GB", "Brian": "en-GB", "Arthur": "en-GB", "Niamh": "en-IE",
    "Geraint": "en-GB-WLS", "Gwyneth": "cy-GB",
    # the languages of the line, and their neighbours
    "Ola": "pl-PL", "Ewa": "pl-PL", "Maja": "pl-PL", "Jacek": "pl-PL", "Jan": "pl-PL",
    "Ines": "pt-PT", "Inês": "pt-PT", "Cristiano": "pt-PT",
    "Camila": "pt-BR", "Vitoria": "pt-BR", "Ricardo": "pt-BR", "Thiago": "pt-BR",
    "Carmen": "ro-RO",
    "Zeina": "arb", "Hala": "ar-AE", "Zayd": "ar-AE",
    "Tatyana": "ru-RU", "Maxim": "ru-RU", "Jitka": "cs-CZ",
    "Lucia": "es-ES", "Conchita": "es-ES", "Enrique": "es-ES", "Sergio": "es-ES",
    "Celine": "fr-FR", "Lea": "fr-FR", "Mathieu": "fr-FR", "Remi": "fr-FR",
    "Marlene": "de-DE", "Vicki": "de-DE", "Hans": "de-DE", "Daniel": "de-DE",
    "Bianca": "it-IT", "Carla": "it-IT", "Giorgio": "it-IT", "Adriano": "it-IT",
    "Filiz": "tr-TR",
}
GOOGLE_VOICE = re.compile(r"^Google\.([a-z]{2,3}-[A-Z]{2})-(Standard|Wavenet|Neural2|Chirp3-HD)-[A-Za-z0-9]+$")
POLLY_VOICE = re.compile(r"^Polly\.([^-]+)(-Neural|-Generative)?$")

# How each provider's SSML reads a number digit by digit: Polly has
# interpret-as="digits"; Google reads digits one by one as "characters".
DIGITS = {"Polly": "digits", "Google": "characters"}


def voice_language(voice: str) -> str | None:
    """The language code Twilio expects with this voice, or None for a voice not known here."""
    google = GOOGLE_VOICE.match(voice)
    if google:
        return google.group(1)
    polly = POLLY_VOICE.match(voice)
    if polly:
        return POLLY_LANGUAGES.get(polly.group(1))
    return None


def digits_interpretation(voice: str) -> str:
    return DIGITS[voice.split(".", 1)[0]]


# Languages Twilio's <Gather input="speech"> recognises, of those a council here
# might offer (Twilio, "Speech recognition language support"). Irish is not one.
SPEECH_LANGUAGES = frozenset({
    "en-GB", "en-IE", "en-US", "pl-PL", "lt-LT", "ro-RO", "bg-BG", "pt-PT", "pt-BR", "sk-SK", "cs-CZ",
    "lv-LV", "hu-HU", "ru-RU", "uk-UA", "de-DE", "fr-FR", "es-ES", "it-IT", "tr-TR", "fa-IR", "ur-PK",
    "ar-AE", "ar-BH", "ar-DZ", "ar-EG", "ar-IQ", "ar-JO", "ar-KW", "ar-LB", "ar-MA", "ar-OM", "ar-PS",
    "ar-QA", "ar-SA", "ar-TN",
})
