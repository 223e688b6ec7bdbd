"""Places and detention facilities, with every spelling sources use for them.

Reports name the same town in pinyin, Hanzi or its Korean reading (Tumen / 图们 / 도문)
and a North Korean province in half a dozen romanisations. Counting by region needs all
of them to land on one place, and never on a wrong one: lookups are exact on a
normalised key, and the shipped table (data/places.csv) is checked on every load.
"""

from refwatch.gazetteer.gazetteer import Gazetteer, load_gazetteer
from refwatch.gazetteer.model import Place
from refwatch.gazetteer.normalise import normalise_place_text

__all__ = ["Gazetteer", "Place", "load_gazetteer", "normalise_place_text"]
