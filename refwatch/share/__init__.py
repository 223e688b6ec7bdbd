"""Overlap without sharing names: privacy-preserving record linkage between organisations.

Each organisation encodes its persons into keyed Bloom-filter encodings; a coordinator
links the encodings of several organisations without a secret and without a name, and
writes the capture histories that multiple systems estimation needs.
"""
