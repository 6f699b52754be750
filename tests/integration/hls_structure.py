"""A structural HLS / LL-HLS / CMAF checker that stands in for Apple's mediastreamvalidator and
hlsreport, which do not run on Linux.

Given a multivariant (master) playlist URL it fetches the master, every media playlist (the audio
rendition included), reloads them, samples init segments, segments and parts, parses the fMP4
boxes in pure Python and returns findings: (rule id, severity MUST/SHOULD, where, message).

Every rule names its source:
- "RFC" is draft-pantos-hls-rfc8216bis-22 (HTTP Live Streaming 2nd Edition), by section;
- "Apple" is Apple's "HTTP Live Streaming (HLS) authoring specification for Apple devices", by
  item number (its "General authoring requirements");
- "contract" is this project's docs/contract.md ("Playback", "Low latency and DASH").
RULES below lists them all; `python3 hls_structure.py --rules` prints the table.

What it does not do (no equivalent of the Apple tools here): decode media, check bit-stream
conformance beyond the first NAL units of a segment, measure an hour of bit rate (Apple 1.28),
or check HTTP/2, TLS and CDN behaviour (RFC Appendix B.1's delivery half).

Python standard library only. It talks only to loopback addresses.
"""

import collections
import datetime
import gzip
import math
import re
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

MUST, SHOULD = "MUST", "SHOULD"

# rule id -> (severity, reference, what is checked). Where a rule is MUST in one source and
# SHOULD in another the stricter source is named first.
RULES = {
    # HTTP ----------------------------------------------------------------------------------
    "http-status": (MUST, "RFC 6.2.1, 6.2.6", "every playlist, init, segment and part the playlists name answers 200"),
    "http-redirect": (MUST, "Apple 8.18", "media requests are not redirected"),
    "http-gzip": (MUST, "Apple 10.1; RFC 6.2.1 (SHOULD), B.1", "playlists are sent with Content-Encoding: gzip when the client accepts it"),
    "http-mime": (SHOULD, "Apple 10.4", "Content-Type: application/vnd.apple.mpegurl, video/mp4 or audio/mp4 (init), video/iso.segment, video/mp4 or audio/mp4 (segments, parts)"),
    "http-cache-playlist": (MUST, "contract Playback", "playlists: Cache-Control max-age <= 1"),
    "http-cache-immutable": (MUST, "contract Playback / Low latency", "inits, segments and complete parts: Cache-Control max-age >= 86400 and immutable"),
    "http-cors": (MUST, "contract Playback", "Access-Control-Allow-Origin: * on playback routes"),
    # Multivariant playlist -----------------------------------------------------------------
    "master-version": (MUST, "RFC 4.4.1.2, 8", "exactly one EXT-X-VERSION"),
    "master-independent": (MUST, "Apple 9.12 (9.11 SHOULD)", "EXT-X-INDEPENDENT-SEGMENTS in the master, else in every video media playlist"),
    "master-bandwidth": (MUST, "RFC 4.4.6.2", "every EXT-X-STREAM-INF has BANDWIDTH"),
    "master-average-bandwidth": (MUST, "Apple 9.14; RFC 4.4.6.2", "AVERAGE-BANDWIDTH present and not above BANDWIDTH (an average cannot exceed the peak)"),
    "master-codecs": (MUST, "Apple 9.1; RFC 6.2.4", "CODECS present and listing every format of the variant and its audio group, as the init segments say (avc1.PPCCLL from avcC, mp4a.40.N from the AudioSpecificConfig)"),
    "master-resolution": (MUST, "Apple 9.2 (mismatch: RFC 4.4.6.2 SHOULD)", "RESOLUTION on every video variant, equal to the coded size in the init"),
    "master-frame-rate": (MUST, "Apple 9.15 (mismatch: RFC 4.4.6.2 SHOULD)", "FRAME-RATE on every video variant, not below the measured frame rate"),
    "master-audio-group": (MUST, "RFC 4.4.6.2, 4.4.6.2.1", "AUDIO names an EXT-X-MEDIA TYPE=AUDIO group; a group of separate audio has a URI"),
    "master-media-default": (MUST, "RFC 4.4.6.1.1 (exactly one: SHOULD)", "at most one DEFAULT=YES per group (and one is expected)"),
    "master-media-autoselect": (MUST, "RFC 4.4.6.1", "AUTOSELECT=YES where DEFAULT=YES (absent: SHOULD)"),
    "master-media-name": (MUST, "RFC 4.4.6.1, 4.4.6.1.1", "NAME present, unique within the group"),
    "master-media-channels": (MUST, "RFC 4.4.6.1 (presence SHOULD)", "CHANNELS present and equal to the channel count in the audio init"),
    "master-media-language": (MUST, "Apple 8.10", "LANGUAGE on every EXT-X-MEDIA that is not TYPE=VIDEO"),
    "master-variants": (MUST, "Apple 9.9", "multiple video bit rates (variants)"),
    "master-measured-bandwidth": (MUST, "Apple 1.29 (125 %); RFC 4.4.6.2.1 (100 %, SHOULD for live)", "peak video segment bit rate + peak audio segment bit rate <= BANDWIDTH"),
    # Media playlists -----------------------------------------------------------------------
    "media-version": (MUST, "RFC 8", "EXT-X-VERSION present, once, >= 6 with EXT-X-MAP, >= 3 with decimal EXTINF, >= 9 with EXT-X-SKIP"),
    "media-gap-version": (MUST, "Apple 'About the EXT-X-VERSION tag' (EXT-X-GAP under version 8)", "EXT-X-GAP only in playlists of version >= 8"),
    "media-target-duration": (MUST, "RFC 4.4.3.1; Apple 7.7", "EXT-X-TARGETDURATION >= every EXTINF rounded to the nearest integer (and EXTINF <= target + 0.5 s)"),
    "media-sequence-tag": (MUST, "RFC 4.4.3.2, 4.4.3.3", "EXT-X-MEDIA-SEQUENCE / EXT-X-DISCONTINUITY-SEQUENCE before the first segment"),
    "media-discontinuity-sequence": (MUST, "Apple 8.17; RFC 6.2.2", "EXT-X-DISCONTINUITY-SEQUENCE present in live playlists that can contain EXT-X-DISCONTINUITY"),
    "media-map": (MUST, "RFC 3.1.2; Apple 8.20", "an EXT-X-MAP applies to every fMP4 segment (before the first one)"),
    "media-pdt": (MUST, "Apple 8.4; RFC B.1", "EXT-X-PROGRAM-DATE-TIME in every live media playlist"),
    "media-pdt-discontinuity": (SHOULD, "RFC 6.2.1", "EXT-X-PROGRAM-DATE-TIME on every segment with EXT-X-DISCONTINUITY"),
    "media-pdt-order": (MUST, "RFC 6.2.1", "program dates never make the date/segment mapping ambiguous (later segment overlaps the previous one only partially, by less than a second)"),
    "media-live-endlist": (MUST, "RFC 6.2.1", "no EXT-X-ENDLIST while the broadcast is live"),
    "media-live-playlist-type": (MUST, "RFC 6.2.2", "no EXT-X-PLAYLIST-TYPE in a live playlist that removes segments"),
    "media-live-length": (MUST, "RFC 6.2.2; Apple 8.11", "once segments are removed: playlist duration >= 3 x target and >= 6 segments"),
    "media-extinf-accuracy": (MUST, "Apple 8.1 (per segment > 1 ms: RFC 3, 4.4.4.1 SHOULD)", "the EXTINF sum of any run of consecutive segments is within one video frame of the media's duration (trun)"),
    "media-tags-order": (MUST, "RFC 4.4.4.9", "EXT-X-DISCONTINUITY, EXT-X-MAP, EXT-X-PROGRAM-DATE-TIME come before the first EXT-X-PART of their parent segment"),
    # Reloads (RFC 6.2.1: append, remove at the head, bump the sequence numbers, add ENDLIST) --
    "reload-version": (MUST, "RFC 6.2.1", "the same EXT-X-VERSION on every reload"),
    "reload-target-duration": (MUST, "RFC 6.2.1", "EXT-X-TARGETDURATION never changes"),
    "reload-media-sequence": (MUST, "RFC 6.2.2", "EXT-X-MEDIA-SEQUENCE never decreases"),
    "reload-discontinuity-sequence": (MUST, "RFC 6.2.2", "EXT-X-DISCONTINUITY-SEQUENCE never decreases; a segment keeps its discontinuity sequence number"),
    "reload-stable": (MUST, "RFC 6.2.1, 6.2.2", "a segment listed on two reloads keeps its URI, EXTINF, EXT-X-GAP, EXT-X-MAP and program date; segments go only at the head"),
    "reload-parts-stable": (MUST, "RFC 6.2.1, 6.2.2", "a listed part keeps its URI, DURATION and INDEPENDENT; parts are removed only in playlist order"),
    "reload-endlist": (MUST, "RFC 6.2.1", "EXT-X-ENDLIST, once added, stays"),
    "reload-update": (MUST, "RFC 6.2.1", "a live playlist gets a new segment within 1.5 x target duration of the previous one (measured by polling)"),
    # Renditions ----------------------------------------------------------------------------
    "renditions-target-duration": (MUST, "RFC 6.2.4; Apple 8.2", "every media playlist has the same EXT-X-TARGETDURATION"),
    "renditions-server-control": (MUST, "RFC 6.2.4", "every media playlist has the same EXT-X-SERVER-CONTROL"),
    "renditions-aligned": (MUST, "contract Playback (segment N covers the same span everywhere); Apple 8.22 SHOULD", "segment N has the same EXTINF in every video rendition; the audio rendition's (whole AAC frames, its own duration) within one audio frame of it, except at the start of a run where the audio may begin later"),
    "renditions-timestamps": (MUST, "RFC 6.2.4; contract Playback", "segment N starts at the same media time (tfdt) in every rendition (video: 1 ms; audio: within one audio frame)"),
    "renditions-discontinuities": (MUST, "RFC 6.2.4; Apple 8.15", "segment N has the same discontinuity sequence number in every rendition"),
    "renditions-program-date": (MUST, "RFC 6.2.4; Apple 15.1", "program date - media time is the same in every rendition (within one video frame)"),
    "renditions-duration": (MUST, "Apple 8.3", "audio and video playlists cover the same duration (compared when their last segment is the same)"),
    # fMP4 ----------------------------------------------------------------------------------
    "fmp4-init-ftyp": (MUST, "RFC 3.1.2", "init: ftyp with a brand compatible with iso6 or higher, followed by moov"),
    "fmp4-init-moov": (MUST, "RFC 3.1.2; ISO/IEC 14496-12 8.8", "init: mvex with a trex per track, zero sample counts, zero mvhd/tkhd durations, no sample data, no external data references"),
    "fmp4-init-one-track": (MUST, "contract Playback (video segments hold video only); Apple 2.17", "init: exactly one track (video-only or audio-only)"),
    "fmp4-segment-structure": (MUST, "RFC 3.1.2", "segment/part: moof (mfhd, traf with tfhd + tfdt + trun) + mdat, track_IDs known to the init"),
    "fmp4-data-offsets": (MUST, "RFC 3.1.2", "movie-fragment-relative addressing; every sample's bytes lie inside an mdat of the same file"),
    "fmp4-tfdt-continuity": (MUST, "RFC 3; Apple 7.3", "next segment's tfdt == previous tfdt + its sample durations (+-1 tick) unless EXT-X-DISCONTINUITY"),
    "fmp4-audio-timescale": (SHOULD, "package README (audio tfdt in the sample-rate timescale); CMAF practice", "audio media timescale == sample rate"),
    "fmp4-video-idr": (MUST, "Apple 7.4; RFC 3 (SHOULD)", "every video segment starts with a sync sample that is an IDR (NAL type 5)"),
    "fmp4-keyframe-interval": (SHOULD, "Apple 1.13", "key frames (IDRs) every two seconds"),
    # Low latency ---------------------------------------------------------------------------
    "ll-version": (MUST, "RFC 8, 6.2.1", "a playlist that offers delta updates (CAN-SKIP-UNTIL) says EXT-X-VERSION >= 9 on every rendering"),
    "ll-part-inf": (MUST, "RFC 4.4.3.7", "EXT-X-PART-INF with PART-TARGET when EXT-X-PART is used"),
    "ll-part-target": (MUST, "RFC 4.4.4.9; contract Low latency", "every EXT-X-PART DURATION <= PART-TARGET"),
    "ll-part-min": (MUST, "RFC 4.4.4.9", "every part >= 85 % of PART-TARGET except INDEPENDENT=YES / GAP=YES parts, parts before a GAP part and the last part of a parent"),
    "ll-part-hold-back": (MUST, "RFC 4.4.3.8 (2x MUST, 3x SHOULD); Apple 14.3 (3x MUST); contract", "PART-HOLD-BACK present and >= 3 x PART-TARGET"),
    "ll-hold-back": (MUST, "RFC 4.4.3.8", "HOLD-BACK, if present, >= 3 x target duration"),
    "ll-can-skip-until": (MUST, "RFC 4.4.3.8; contract", "CAN-SKIP-UNTIL >= 6 x target duration"),
    "ll-can-block-reload": (MUST, "contract Low latency; RFC 2 (Low-Latency Mode)", "CAN-BLOCK-RELOAD=YES"),
    "ll-preload-hint": (MUST, "RFC B.1 via Apple 14.1; RFC 4.4.5.3; RFC 6.2.6 (one per TYPE: SHOULD)", "exactly one EXT-X-PRELOAD-HINT TYPE=PART while live with parts; none after EXT-X-ENDLIST"),
    "ll-rendition-reports": (MUST, "RFC B.1 via Apple 14.1; RFC 4.4.5.4", "one EXT-X-RENDITION-REPORT per other media playlist of the master (audio included), URI resolving to it"),
    "ll-report-edge": (MUST, "RFC 4.4.5.4 (in sync within a part target: B.1, SHOULD)", "LAST-MSN/LAST-PART are not beyond the reported playlist's own edge (fetched right after), nor far behind it"),
    "ll-part-window": (SHOULD, "RFC 6.2.2", "EXT-X-PART tags listed only within the last 3 target durations"),
    "ll-part-sum": (SHOULD, "RFC 3.2, 4.4.4.1, 4.4.4.9", "the DURATIONs of a complete segment's parts add up to its EXTINF (+-1 ms)"),
    "ll-part-samples": (MUST, "RFC 3.2", "a parent segment and its parts hold the same samples with the same timing (bytes)"),
    "ll-part-duration": (MUST, "RFC 4.4.4.9", "a part's DURATION equals the duration of its samples (+-1 ms)"),
    "ll-independent": (MUST, "RFC 4.4.4.9 (SHOULD for the missing attribute); contract Low latency", "INDEPENDENT=YES only on parts with a sync sample; parts starting with one carry it"),
    "ll-blocking-reload": (MUST, "RFC 6.2.5.2 (503 after 3 target durations: SHOULD)", "?_HLS_msn=M&_HLS_part=P answers a playlist holding that part (or a later one) within 3 target durations"),
    "ll-blocking-errors": (MUST, "RFC 6.2.5.2 (msn > last + 2: SHOULD)", "_HLS_part without _HLS_msn is 400; an _HLS_msn far beyond the edge is 400"),
    "ll-hint-available": (MUST, "RFC 6.2.6; contract Low latency", "the hinted part can be requested: it is answered once it exists (404 only when it never was published)"),
    "ll-part-cadence": (MUST, "RFC 6.2.1 (MUST: within one part target; SHOULD band here up to 1.5x)", "a new part is added within one PART-TARGET of the previous one (blocking requests in a row)"),
    "ll-delta-update": (MUST, "RFC 6.2.5.1, 4.4.5.2, 8", "?_HLS_skip=YES: EXT-X-SKIP:SKIPPED-SEGMENTS matches the full playlist, the rest is unchanged, skipped segments are beyond the skip boundary"),
    # Apple tuning (reported, never a failure on its own) -------------------------------------
    "apple-target-duration": (SHOULD, "Apple 7.5, 7.6", "target duration and segment durations of 6 s"),
    "apple-live-window": (SHOULD, "Apple 8.12", "at least 15 minutes of content in a live playlist"),
    "apple-part-target": (SHOULD, "Apple 14.2c (RECOMMENDED)", "part target duration of one second"),
}

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DEFAULT_TIMEOUT = 10


class Finding(collections.namedtuple("Finding", "rule severity where message count waived more")):
    """One rule broken at one place; `count` times in all, `message` describes the first,
    `more` up to two further ones."""

    def __str__(self):
        ref = RULES.get(self.rule, (None, "?", ""))[1]
        head = f"[{self.severity}{' waived' if self.waived else ''}] {self.rule} ({ref}) {self.where}"
        times = f" (x{self.count})" if self.count > 1 else ""
        more = "".join(f"\n    also: {m}" for m in self.more)
        waived = f"\n    waived: {self.waived}" if self.waived else ""
        return f"{head}{times}: {self.message}{more}{waived}"


# HTTP ------------------------------------------------------------------------------------------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)

Response = collections.namedtuple("Response", "url status headers body seconds error")


def http_get(url, headers=None, timeout=DEFAULT_TIMEOUT):
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"hls_structure only talks to loopback, not {host!r}")
    req = urllib.request.Request(url, headers=dict(headers or {}))
    start = time.monotonic()
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            body = resp.read()
            hdrs = {k.lower(): v for k, v in resp.headers.items()}
            return Response(url, resp.status, hdrs, body, time.monotonic() - start, None)
    except urllib.error.HTTPError as e:
        hdrs = {k.lower(): v for k, v in e.headers.items()} if e.headers else {}
        try:
            body = e.read()
        except Exception:  # noqa: BLE001 - a broken error body is still an answer
            body = b""
        return Response(url, e.code, hdrs, body, time.monotonic() - start, None)
    except (urllib.error.URLError, OSError) as e:
        return Response(url, 0, {}, b"", time.monotonic() - start, str(e))


def max_age(headers):
    m = re.search(r"max-age=(\d+)", headers.get("cache-control", ""))
    return int(m.group(1)) if m else None


# Playlist parsing ------------------------------------------------------------------------------
_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def parse_attrs(text):
    out = {}
    for key, value in _ATTR.findall(text):
        out[key] = value[1:-1] if value.startswith('"') else value
    return out


def parse_pdt(value):
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class Part:
    __slots__ = ("msn", "index", "uri", "duration", "independent", "gap", "line")

    def key(self):
        return (self.uri, self.duration, self.independent, self.gap)


class Segment:
    __slots__ = ("msn", "uri", "extinf", "disc", "dseq", "pdt", "pdt_text", "map", "gap", "parts",
                 "first_line", "line")


class MediaPlaylist:
    """One rendering of a media playlist: the segments in order (with their parts), the parts
    of the segment in progress, and the playlist-level tags. `problems` collects syntax-level
    rule breaks found while parsing (rule, message, line index)."""

    def __init__(self, text):
        self.text = text
        self.lines = text.splitlines()
        self.version = None
        self.version_count = 0
        self.target = None
        self.msn = None
        self.dsn = None
        self.endlist = False
        self.playlist_type = None
        self.independent = False
        self.part_inf = None
        self.server_control = None
        self.skip = None
        self.segments = []
        self.open_parts = []
        self.hints = []
        self.reports = []
        self.problems = []
        self._parse()

    def _parse(self):
        if not self.lines or self.lines[0].strip() != "#EXTM3U":
            self.problems.append(("media-version", "first line is not #EXTM3U", 0))
        disc = gap = False
        pdt = pdt_text = None
        extinf = None
        current_map = None
        parts = []
        tags_start = None
        discs_seen = 0
        index = 0
        for i, raw in enumerate(self.lines):
            line = raw.strip()
            if not line:
                continue
            if not line.startswith("#"):
                seg = Segment()
                seg.uri, seg.extinf, seg.disc, seg.gap = line, extinf, disc, gap
                seg.pdt, seg.pdt_text, seg.map = pdt, pdt_text, current_map
                seg.parts, seg.line = parts, i
                seg.first_line = tags_start if tags_start is not None else i
                seg.msn = index  # made absolute below
                discs_seen += 1 if disc else 0
                seg.dseq = discs_seen
                self.segments.append(seg)
                index += 1
                disc = gap = False
                pdt = pdt_text = extinf = None
                parts, tags_start = [], None
                continue
            if not line.startswith("#EXT"):
                continue
            tag, _, value = line.partition(":")
            segment_tag = tag in ("#EXTINF", "#EXT-X-DISCONTINUITY", "#EXT-X-PROGRAM-DATE-TIME",
                                  "#EXT-X-MAP", "#EXT-X-GAP", "#EXT-X-PART", "#EXT-X-BYTERANGE",
                                  "#EXT-X-KEY", "#EXT-X-BITRATE")
            if segment_tag and tags_start is None:
                tags_start = i
            if tag in ("#EXT-X-DISCONTINUITY", "#EXT-X-MAP", "#EXT-X-PROGRAM-DATE-TIME") and parts:
                self.problems.append(("media-tags-order",
                                      f"{tag} after the first EXT-X-PART of its parent segment", i))
            if tag == "#EXT-X-VERSION":
                self.version_count += 1
                self.version = int(value) if value.isdigit() else None
            elif tag == "#EXT-X-TARGETDURATION":
                self.target = int(value) if value.isdigit() else None
            elif tag in ("#EXT-X-MEDIA-SEQUENCE", "#EXT-X-DISCONTINUITY-SEQUENCE"):
                if self.segments or parts:
                    self.problems.append(("media-sequence-tag", f"{tag} after the first segment", i))
                if tag == "#EXT-X-MEDIA-SEQUENCE":
                    self.msn = int(value)
                else:
                    self.dsn = int(value)
            elif tag == "#EXT-X-ENDLIST":
                self.endlist = True
            elif tag == "#EXT-X-PLAYLIST-TYPE":
                self.playlist_type = value
            elif tag == "#EXT-X-INDEPENDENT-SEGMENTS":
                self.independent = True
            elif tag == "#EXT-X-PART-INF":
                self.part_inf = parse_attrs(value)
            elif tag == "#EXT-X-SERVER-CONTROL":
                self.server_control = parse_attrs(value)
            elif tag == "#EXT-X-SKIP":
                self.skip = parse_attrs(value)
                self.skip_line = i
            elif tag == "#EXTINF":
                try:
                    extinf = float(value.split(",")[0])
                except ValueError:
                    extinf = None
            elif tag == "#EXT-X-DISCONTINUITY":
                disc = True
            elif tag == "#EXT-X-GAP":
                gap = True
            elif tag == "#EXT-X-PROGRAM-DATE-TIME":
                pdt, pdt_text = parse_pdt(value), value
            elif tag == "#EXT-X-MAP":
                current_map = parse_attrs(value).get("URI")
            elif tag == "#EXT-X-PART":
                a = parse_attrs(value)
                p = Part()
                p.uri = a.get("URI")
                try:
                    p.duration = float(a.get("DURATION", "nan"))
                except ValueError:
                    p.duration = math.nan
                p.independent = a.get("INDEPENDENT") == "YES"
                p.gap = a.get("GAP") == "YES"
                p.index, p.line = len(parts), i
                parts.append(p)
            elif tag == "#EXT-X-PRELOAD-HINT":
                self.hints.append((parse_attrs(value), i))
            elif tag == "#EXT-X-RENDITION-REPORT":
                self.reports.append((parse_attrs(value), i))
        self.open_parts = parts
        self.open_disc, self.open_pdt, self.open_map = disc, pdt, current_map
        base = (self.msn or 0) + (int(self.skip.get("SKIPPED-SEGMENTS", 0)) if self.skip else 0)
        dsn = self.dsn or 0
        for seg in self.segments:
            seg.msn += base
            seg.dseq += dsn
            for p in seg.parts:
                p.msn = seg.msn
        self.open_msn = (self.segments[-1].msn + 1) if self.segments else base
        for p in self.open_parts:
            p.msn = self.open_msn

    # helpers
    def by_msn(self):
        return {s.msn: s for s in self.segments}

    def last_msn(self):
        return self.segments[-1].msn if self.segments else None

    def duration(self):
        return sum(s.extinf or 0 for s in self.segments)

    def all_parts(self):
        out = [p for s in self.segments for p in s.parts]
        return out + list(self.open_parts)

    def edge(self):
        """(msn, part index) of the last part, or (last msn, None) without parts."""
        if self.open_parts:
            return (self.open_msn, len(self.open_parts) - 1)
        if self.segments and self.segments[-1].parts:
            return (self.segments[-1].msn, len(self.segments[-1].parts) - 1)
        return (self.last_msn(), None)

    def excerpt(self, first, last=None, limit=12):
        last = first if last is None else last
        lines = self.lines[max(first, 0):last + 1]
        if len(lines) > limit:
            lines = lines[:limit // 2] + ["..."] + lines[-limit // 2:]
        return "\n      " + "\n      ".join(lines)

    def header_excerpt(self):
        end = next((i for i, l in enumerate(self.lines) if l.startswith("#EXT-X-MEDIA-SEQUENCE")), 6)
        return self.excerpt(0, end)


class MasterPlaylist:
    def __init__(self, text):
        self.text = text
        self.lines = text.splitlines()
        self.version_count = 0
        self.version = None
        self.independent = False
        self.media = []  # (attrs, line)
        self.variants = []  # (attrs, uri, line)
        pending = None
        for i, raw in enumerate(self.lines):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#EXT-X-VERSION:"):
                self.version_count += 1
                v = line.split(":", 1)[1]
                self.version = int(v) if v.isdigit() else None
            elif line == "#EXT-X-INDEPENDENT-SEGMENTS":
                self.independent = True
            elif line.startswith("#EXT-X-MEDIA:"):
                self.media.append((parse_attrs(line.split(":", 1)[1]), i))
            elif line.startswith("#EXT-X-STREAM-INF:"):
                pending = (parse_attrs(line.split(":", 1)[1]), i)
            elif not line.startswith("#") and pending:
                self.variants.append((pending[0], line, pending[1]))
                pending = None

    def excerpt(self, i, n=2):
        return "\n      " + "\n      ".join(self.lines[i:i + n])


# fMP4 parsing ----------------------------------------------------------------------------------
Box = collections.namedtuple("Box", "type pos size hdr")
CONTAINERS = {"moov", "trak", "mdia", "minf", "stbl", "mvex", "moof", "traf", "dinf", "edts"}


def iter_boxes(buf, start, end):
    pos = start
    while pos + 8 <= end:
        size, typ = struct.unpack_from(">I4s", buf, pos)
        hdr = 8
        if size == 1:
            if pos + 16 > end:
                yield Box("!bad", pos, end - pos, 8)
                return
            size = struct.unpack_from(">Q", buf, pos + 8)[0]
            hdr = 16
        elif size == 0:
            size = end - pos
        if size < hdr or pos + size > end:
            yield Box("!bad", pos, end - pos, hdr)
            return
        yield Box(typ.decode("latin-1"), pos, size, hdr)
        pos += size
    if pos != end:
        yield Box("!bad", pos, end - pos, 0)


def children(buf, box, skip=0):
    return list(iter_boxes(buf, box.pos + box.hdr + skip, box.pos + box.size))


def child(buf, box, typ, skip=0):
    return next((b for b in children(buf, box, skip) if b.type == typ), None)


def payload(buf, box):
    return box.pos + box.hdr


class Track:
    def __init__(self):
        self.track_id = None
        self.handler = None
        self.timescale = None
        self.codec = None  # RFC 6381 string
        self.entry = None
        self.width = self.height = None
        self.channels = None
        self.sample_rate = None
        self.length_size = 4
        self.tkhd_duration = None
        self.sample_counts = {}


class InitInfo:
    def __init__(self, buf):
        self.problems = []  # (rule, message)
        self.tracks = {}
        self.trex = {}
        self.brands = []
        self._parse(buf)

    def bad(self, rule, msg):
        self.problems.append((rule, msg))

    def _parse(self, buf):
        top = list(iter_boxes(buf, 0, len(buf)))
        types = [b.type for b in top]
        if "!bad" in types:
            self.bad("fmp4-init-moov", f"box sizes do not add up (top level: {types})")
        if not top or top[0].type != "ftyp":
            self.bad("fmp4-init-ftyp", f"first box is {types[:1]}, not ftyp")
        else:
            p = payload(buf, top[0])
            end = top[0].pos + top[0].size
            self.brands = [buf[p:p + 4].decode("latin-1")] + [
                buf[q:q + 4].decode("latin-1") for q in range(p + 8, end, 4)]
            if not any(re.fullmatch(r"iso([6-9]|[a-z])", b) for b in self.brands):
                self.bad("fmp4-init-ftyp", f"no brand compatible with iso6 or higher in {self.brands}")
            if len(top) < 2 or top[1].type != "moov":
                self.bad("fmp4-init-ftyp", f"ftyp is followed by {types[1:2]}, not moov")
        if any(t in ("moof", "mdat") for t in types):
            self.bad("fmp4-init-moov", f"the init carries sample data boxes ({types})")
        moov = next((b for b in top if b.type == "moov"), None)
        if moov is None:
            self.bad("fmp4-init-moov", "no moov")
            return
        mv = children(buf, moov)
        mvhd = next((b for b in mv if b.type == "mvhd"), None)
        if mvhd:
            p = payload(buf, mvhd)
            ver = buf[p]
            dur = struct.unpack_from(">Q", buf, p + 24)[0] if ver == 1 else struct.unpack_from(">I", buf, p + 16)[0]
            if dur not in (0, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
                self.bad("fmp4-init-moov", f"mvhd duration {dur}, not zero")
        mvex = next((b for b in mv if b.type == "mvex"), None)
        if mvex is None:
            self.bad("fmp4-init-moov", "moov has no mvex")
        else:
            for b in children(buf, mvex):
                if b.type == "trex":
                    tid, sdi, dur, size, flags = struct.unpack_from(">IIIII", buf, payload(buf, b) + 4)
                    self.trex[tid] = (dur, size, flags)
        for trak in (b for b in mv if b.type == "trak"):
            self._trak(buf, trak)
        if not self.tracks:
            self.bad("fmp4-init-moov", "moov has no trak")
        for tid in self.tracks:
            if mvex is not None and tid not in self.trex:
                self.bad("fmp4-init-moov", f"no trex for track {tid}")

    def _trak(self, buf, trak):
        t = Track()
        tkhd = child(buf, trak, "tkhd")
        if tkhd:
            p = payload(buf, tkhd)
            ver = buf[p]
            if ver == 1:
                t.track_id = struct.unpack_from(">I", buf, p + 20)[0]
                t.tkhd_duration = struct.unpack_from(">Q", buf, p + 28)[0]
            else:
                t.track_id = struct.unpack_from(">I", buf, p + 12)[0]
                t.tkhd_duration = struct.unpack_from(">I", buf, p + 20)[0]
            end = tkhd.pos + tkhd.size
            w, h = struct.unpack_from(">II", buf, end - 8)
            t.width, t.height = w >> 16, h >> 16
            if t.tkhd_duration not in (0, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
                self.bad("fmp4-init-moov", f"tkhd duration {t.tkhd_duration} (track {t.track_id}), not zero")
        mdia = child(buf, trak, "mdia")
        if mdia is None:
            self.bad("fmp4-init-moov", "trak without mdia")
            return
        mdhd = child(buf, mdia, "mdhd")
        if mdhd:
            p = payload(buf, mdhd)
            t.timescale = struct.unpack_from(">I", buf, p + (20 if buf[p] == 1 else 12))[0]
        hdlr = child(buf, mdia, "hdlr")
        if hdlr:
            t.handler = buf[payload(buf, hdlr) + 8:payload(buf, hdlr) + 12].decode("latin-1")
        minf = child(buf, mdia, "minf")
        if minf is None:
            self.bad("fmp4-init-moov", "mdia without minf")
            return
        dinf = child(buf, minf, "dinf")
        if dinf:
            dref = child(buf, dinf, "dref")
            if dref:
                for entry in iter_boxes(buf, payload(buf, dref) + 8, dref.pos + dref.size):
                    flags = struct.unpack_from(">I", buf, payload(buf, entry))[0] & 0xFFFFFF
                    if not flags & 1:
                        self.bad("fmp4-init-moov", f"data reference {entry.type!r} is external (flags {flags})")
        stbl = child(buf, minf, "stbl")
        if stbl is None:
            self.bad("fmp4-init-moov", "minf without stbl")
            return
        for b in children(buf, stbl):
            p = payload(buf, b)
            if b.type in ("stts", "stsc", "stco", "co64", "ctts", "stss"):
                t.sample_counts[b.type] = struct.unpack_from(">I", buf, p + 4)[0]
            elif b.type == "stsz":
                t.sample_counts[b.type] = struct.unpack_from(">I", buf, p + 8)[0]
            elif b.type == "stsd":
                entries = list(iter_boxes(buf, p + 8, b.pos + b.size))
                if entries:
                    self._entry(buf, entries[0], t)
        nonzero = {k: v for k, v in t.sample_counts.items() if v}
        if nonzero:
            self.bad("fmp4-init-moov", f"track {t.track_id} sample tables are not empty: {nonzero}")
        self.tracks[t.track_id] = t

    def _entry(self, buf, e, t):
        t.entry = e.type
        p = payload(buf, e)
        if e.type in ("avc1", "avc3", "hvc1", "hev1"):
            t.width, t.height = struct.unpack_from(">HH", buf, p + 24)
            for b in iter_boxes(buf, p + 78, e.pos + e.size):
                q = payload(buf, b)
                if b.type == "avcC":
                    prof, compat, level, lsize = buf[q + 1], buf[q + 2], buf[q + 3], buf[q + 4]
                    t.codec = f"{e.type}.{prof:02x}{compat:02x}{level:02x}"
                    t.length_size = (lsize & 3) + 1
                elif b.type == "hvcC":
                    t.codec = e.type  # profile string not rebuilt for HEVC
                    t.length_size = (buf[q + 21] & 3) + 1
        elif e.type == "mp4a":
            t.channels = struct.unpack_from(">H", buf, p + 16)[0]
            t.sample_rate = struct.unpack_from(">I", buf, p + 24)[0] >> 16
            for b in iter_boxes(buf, p + 28, e.pos + e.size):
                if b.type == "esds":
                    self._esds(buf, payload(buf, b) + 4, b.pos + b.size, t)
        else:
            t.codec = e.type

    @staticmethod
    def _esds(buf, pos, end, t):
        def desc(q):
            tag = buf[q]
            q += 1
            length = 0
            for _ in range(4):
                c = buf[q]
                q += 1
                length = (length << 7) | (c & 0x7F)
                if not c & 0x80:
                    break
            return tag, q, length
        try:
            tag, q, _ = desc(pos)
            if tag != 3:
                return
            flags = buf[q + 2]
            q += 3
            if flags & 0x80:
                q += 2
            if flags & 0x40:
                q += 1 + buf[q]
            if flags & 0x20:
                q += 2
            tag, q, _ = desc(q)
            if tag != 4:
                return
            oti = buf[q]
            q += 13
            tag, q, _ = desc(q)
            if tag != 5:
                t.codec = f"mp4a.{oti:02x}"
                return
            bits = int.from_bytes(buf[q:q + 4], "big")
            aot = bits >> 27
            rest, used = bits, 5
            if aot == 31:
                aot = 32 + ((bits >> 21) & 0x3F)
                used = 11
            sfi = (rest >> (32 - used - 4)) & 0xF
            used += 4
            if sfi == 15:
                used += 24
                bits = int.from_bytes(buf[q:q + 8], "big")
                chan = (bits >> (64 - used - 4)) & 0xF
            else:
                chan = (rest >> (32 - used - 4)) & 0xF
            t.codec = f"mp4a.{oti:02x}.{aot}"
            if chan and not t.channels:
                t.channels = chan
            t.asc_channels = chan
        except IndexError:
            return


class Sample(collections.namedtuple("Sample", "duration size flags cto start")):
    @property
    def sync(self):
        return not (self.flags & 0x00010000)


class FragInfo:
    """A segment or part: its track fragments (track id, tfdt, samples)."""

    def __init__(self, buf, init):
        self.problems = []
        self.trafs = []  # (track_id, tfdt, [Sample])
        self.buf = buf
        self._parse(buf, init)

    def bad(self, rule, msg):
        self.problems.append((rule, msg))

    def _parse(self, buf, init):
        top = list(iter_boxes(buf, 0, len(buf)))
        types = [b.type for b in top]
        if "!bad" in types:
            self.bad("fmp4-segment-structure", f"box sizes do not add up (top level: {types})")
        mdats = [(b.pos + b.hdr, b.pos + b.size) for b in top if b.type == "mdat"]
        moofs = [b for b in top if b.type == "moof"]
        if not moofs or not mdats:
            self.bad("fmp4-segment-structure", f"no moof + mdat (top level: {types})")
            return
        for i, b in enumerate(top):
            if b.type == "moof" and (i + 1 >= len(top) or top[i + 1].type != "mdat"):
                self.bad("fmp4-segment-structure", f"moof not followed by mdat (top level: {types})")
        for moof in moofs:
            kids = children(buf, moof)
            if not any(k.type == "mfhd" for k in kids):
                self.bad("fmp4-segment-structure", "moof without mfhd")
            for traf in (k for k in kids if k.type == "traf"):
                self._traf(buf, moof, traf, init, mdats)

    def _traf(self, buf, moof, traf, init, mdats):
        kids = children(buf, traf)
        names = [k.type for k in kids]
        tfhd = next((k for k in kids if k.type == "tfhd"), None)
        tfdt = next((k for k in kids if k.type == "tfdt"), None)
        truns = [k for k in kids if k.type == "trun"]
        if tfhd is None or tfdt is None or not truns:
            self.bad("fmp4-segment-structure", f"traf holds {names}: needs tfhd, tfdt and trun")
        if tfhd is None:
            return
        p = payload(buf, tfhd)
        flags = struct.unpack_from(">I", buf, p)[0] & 0xFFFFFF
        tid = struct.unpack_from(">I", buf, p + 4)[0]
        q = p + 8
        base = moof.pos
        if flags & 0x1:
            self.bad("fmp4-data-offsets", f"tfhd has an explicit base-data-offset (flags {flags:#x})")
            base = struct.unpack_from(">Q", buf, q)[0]
            q += 8
        if flags & 0x2:
            q += 4
        trex = init.trex.get(tid, (0, 0, 0)) if init else (0, 0, 0)
        d_dur, d_size, d_flags = trex
        if flags & 0x8:
            d_dur = struct.unpack_from(">I", buf, q)[0]
            q += 4
        if flags & 0x10:
            d_size = struct.unpack_from(">I", buf, q)[0]
            q += 4
        if flags & 0x20:
            d_flags = struct.unpack_from(">I", buf, q)[0]
            q += 4
        if init and tid not in init.tracks:
            self.bad("fmp4-segment-structure", f"traf track_ID {tid} has no trak in the init ({sorted(init.tracks)})")
        decode_time = None
        if tfdt is not None:
            p = payload(buf, tfdt)
            decode_time = struct.unpack_from(">Q" if buf[p] == 1 else ">I", buf, p + 4)[0]
        samples = []
        cursor = None
        for trun in truns:
            p = payload(buf, trun)
            tflags = struct.unpack_from(">I", buf, p)[0] & 0xFFFFFF
            count = struct.unpack_from(">I", buf, p + 4)[0]
            q = p + 8
            if tflags & 0x1:
                start = base + struct.unpack_from(">i", buf, q)[0]
                q += 4
            else:
                start = cursor if cursor is not None else base
            first_flags = None
            if tflags & 0x4:
                first_flags = struct.unpack_from(">I", buf, q)[0]
                q += 4
            for i in range(count):
                dur, size, sflags, cto = d_dur, d_size, d_flags, 0
                if tflags & 0x100:
                    dur = struct.unpack_from(">I", buf, q)[0]
                    q += 4
                if tflags & 0x200:
                    size = struct.unpack_from(">I", buf, q)[0]
                    q += 4
                if tflags & 0x400:
                    sflags = struct.unpack_from(">I", buf, q)[0]
                    q += 4
                if tflags & 0x800:
                    cto = struct.unpack_from(">i", buf, q)[0]
                    q += 4
                if i == 0 and first_flags is not None:
                    sflags = first_flags
                samples.append(Sample(dur, size, sflags, cto, start))
                start += size
            cursor = start
        for s in samples:
            if not any(a <= s.start and s.start + s.size <= b for a, b in mdats):
                self.bad("fmp4-data-offsets", f"track {tid}: a sample at byte {s.start} (+{s.size}) lies outside every mdat of the "
                         f"{len(buf)}-byte file")
                break
        self.trafs.append((tid, decode_time, samples))

    def track(self):
        return self.trafs[0] if self.trafs else (None, None, [])

    def nal_types(self, sample, length_size):
        data = self.buf[sample.start:sample.start + sample.size]
        out, p = [], 0
        while p + length_size < len(data):
            n = int.from_bytes(data[p:p + length_size], "big")
            out.append(data[p + length_size] & 0x1F)
            p += length_size + n
        return out


# The checker -----------------------------------------------------------------------------------
class Rendition:
    def __init__(self, url, name, kind, attrs):
        self.url, self.name, self.kind, self.attrs = url, name, kind, attrs
        self.history = []  # (time, MediaPlaylist)
        self.segments = {}  # msn -> dict(info)
        self.first_seen = {}  # msn -> time first listed
        self.removal_seen = False


class Checker:
    """Usage: c = Checker(master_url); c.run(reload_seconds=8); c.results().

    Or step by step: c.load_master(); c.observe(seconds, interval); c.check_low_latency();
    c.results(). `live=True` means the broadcast is expected to go on (no ENDLIST). `waive`
    maps rule ids to a reason: such findings are still reported, flagged as waived."""

    def __init__(self, master_url, live=True, waive=None, log=None):
        self.master_url = master_url
        self.live = live
        self.waive = dict(waive or {})
        self.log = log or (lambda *a: print(*a, file=sys.stderr, flush=True))
        self._findings = collections.OrderedDict()
        self.evaluated = set()
        self.master = None
        self.renditions = collections.OrderedDict()
        self.inits = {}
        self.frags = {}
        self.frame_duration = None  # the shortest video frame (from FRAME-RATE), for Apple 8.1
        self.requests = 0

    # findings
    def add(self, rule, where, message, severity=None):
        sev = severity or RULES[rule][0]
        key = (rule, where, sev)
        if key in self._findings:
            f = self._findings[key]
            fresh = (message != f.message.split(":\n")[0] and message not in f.more and "\n" not in message
                     and not rule.startswith("apple-"))
            more = f.more + (message,) if len(f.more) < 2 and fresh else f.more
            self._findings[key] = f._replace(count=f.count + 1, more=more)
        else:
            self._findings[key] = Finding(rule, sev, where, message, 1, self.waive.get(rule), ())

    def ran(self, *rules):
        self.evaluated.update(rules)

    def results(self):
        order = {MUST: 0, SHOULD: 1}
        return sorted(self._findings.values(), key=lambda f: (order[f.severity], f.rule, f.where))

    def failures(self):
        return [f for f in self.results() if f.severity == MUST and not f.waived]

    # http
    def get(self, url, kind, headers=None, timeout=DEFAULT_TIMEOUT, check_headers=True):
        self.requests += 1
        r = http_get(url, headers, timeout)
        short = self.short(url)
        if 300 <= r.status < 400:
            self.add("http-redirect", short, f"{r.status} to {r.headers.get('location')}")
        self.ran("http-redirect", "http-status")
        if r.status != 200:
            return r
        if check_headers:
            self.check_headers(r, kind, short)
        return r

    def check_headers(self, r, kind, short):
        h = r.headers
        self.ran("http-cors", "http-mime", "http-cache-playlist", "http-cache-immutable")
        if h.get("access-control-allow-origin") != "*":
            self.add("http-cors", kind, f"{short}: Access-Control-Allow-Origin {h.get('access-control-allow-origin')!r}")
        ctype = h.get("content-type", "").split(";")[0].strip().lower()
        allowed = {"playlist": {"application/vnd.apple.mpegurl", "audio/mpegurl"},
                   "init": {"video/mp4", "audio/mp4"},
                   "segment": {"video/iso.segment", "video/mp4", "audio/mp4"},
                   "part": {"video/iso.segment", "video/mp4", "audio/mp4"}}[kind]
        if ctype not in allowed:
            self.add("http-mime", kind, f"{short}: Content-Type {ctype!r}, expected one of {sorted(allowed)}")
        age = max_age(h)
        cc = h.get("cache-control", "")
        if kind == "playlist":
            if age is None or age > 1:
                self.add("http-cache-playlist", kind, f"{short}: Cache-Control {cc!r}")
        elif age is None or age < 86400 or "immutable" not in cc:
            self.add("http-cache-immutable", kind, f"{short}: Cache-Control {cc!r}")

    def short(self, url):
        base = self.master_url.rsplit("/", 1)[0] + "/"
        return url[len(base):] if url.startswith(base) else url

    # master
    def load_master(self):
        r = self.get(self.master_url, "playlist")
        if r.status != 200:
            self.add("http-status", "master", f"{self.master_url} answered {r.status} {r.error or ''}")
            return False
        text = r.body.decode("utf-8", "replace")
        self.master = m = MasterPlaylist(text)
        self.check_gzip(self.master_url, "master")
        self.ran("master-version", "master-independent", "master-bandwidth", "master-average-bandwidth",
                 "master-codecs", "master-resolution", "master-frame-rate", "master-audio-group",
                 "master-variants")
        if m.version_count != 1:
            self.add("master-version", "master", f"{m.version_count} EXT-X-VERSION tags")
        groups = collections.defaultdict(list)
        for attrs, i in m.media:
            groups[(attrs.get("TYPE"), attrs.get("GROUP-ID"))].append((attrs, i))
        for (typ, gid), members in groups.items():
            self.check_media_group(m, typ, gid, members)
        for attrs, uri, i in m.variants:
            where = f"master {uri.rsplit('/', 2)[-2] if '/' in uri else uri}"
            ex = m.excerpt(i)
            if "BANDWIDTH" not in attrs:
                self.add("master-bandwidth", where, f"no BANDWIDTH:{ex}")
            if "AVERAGE-BANDWIDTH" not in attrs:
                self.add("master-average-bandwidth", where, f"no AVERAGE-BANDWIDTH:{ex}")
            elif "BANDWIDTH" in attrs and int(attrs["AVERAGE-BANDWIDTH"]) > int(attrs["BANDWIDTH"]):
                self.add("master-average-bandwidth", where, f"AVERAGE-BANDWIDTH above BANDWIDTH:{ex}")
            if "CODECS" not in attrs:
                self.add("master-codecs", where, f"no CODECS:{ex}")
            if "RESOLUTION" not in attrs:
                self.add("master-resolution", where, f"no RESOLUTION:{ex}")
            if "FRAME-RATE" not in attrs:
                self.add("master-frame-rate", where, f"no FRAME-RATE:{ex}")
            else:
                try:
                    frame = 1 / float(attrs["FRAME-RATE"])
                    self.frame_duration = min(self.frame_duration or frame, frame)
                except (ValueError, ZeroDivisionError):
                    pass
            if "AUDIO" in attrs and ("AUDIO", attrs["AUDIO"]) not in groups:
                self.add("master-audio-group", where, f"AUDIO={attrs['AUDIO']!r} names no EXT-X-MEDIA TYPE=AUDIO group:{ex}")
            url = urllib.parse.urljoin(self.master_url, uri)
            name = uri.rstrip("/").split("/")[-2] if uri.count("/") else uri
            self.renditions.setdefault(url, Rendition(url, name, "video", attrs))
        rates = {a.get("BANDWIDTH") for a, _, _ in m.variants}
        if len(rates) < 2:
            self.add("master-variants", "master", f"{len(m.variants)} variant(s), one video bit rate")
        for (typ, gid), members in groups.items():
            for attrs, _ in members:
                if attrs.get("URI"):
                    url = urllib.parse.urljoin(self.master_url, attrs["URI"])
                    self.renditions.setdefault(url, Rendition(url, attrs.get("NAME", gid), typ.lower(), attrs))
        return True

    def check_media_group(self, m, typ, gid, members):
        self.ran("master-media-default", "master-media-autoselect", "master-media-name",
                 "master-media-language", "master-media-channels")
        where = f"master group {typ}/{gid}"
        defaults = [a for a, _ in members if a.get("DEFAULT") == "YES"]
        if len(defaults) > 1:
            self.add("master-media-default", where, f"{len(defaults)} members with DEFAULT=YES")
        elif not defaults:
            self.add("master-media-default", where, "no member with DEFAULT=YES", SHOULD)
        names = [a.get("NAME") for a, _ in members]
        if None in names or len(set(names)) != len(names):
            self.add("master-media-name", where, f"NAMEs {names}")
        for attrs, i in members:
            ex = m.excerpt(i, 1)
            if attrs.get("DEFAULT") == "YES":
                if attrs.get("AUTOSELECT") is None:
                    self.add("master-media-autoselect", where, f"DEFAULT=YES without AUTOSELECT:{ex}", SHOULD)
                elif attrs.get("AUTOSELECT") != "YES":
                    self.add("master-media-autoselect", where, f"DEFAULT=YES with AUTOSELECT={attrs['AUTOSELECT']}:{ex}")
            if typ != "VIDEO" and "LANGUAGE" not in attrs:
                self.add("master-media-language", where, f"no LANGUAGE attribute:{ex}")
            if typ == "AUDIO" and "CHANNELS" not in attrs:
                self.add("master-media-channels", where, f"no CHANNELS:{ex}", SHOULD)

    def check_gzip(self, url, where):
        self.ran("http-gzip")
        r = http_get(url, {"Accept-Encoding": "gzip"})
        if r.status == 200 and r.headers.get("content-encoding", "").lower() != "gzip":
            self.add("http-gzip", "playlists", f"{where}: asked with Accept-Encoding: gzip, answered Content-Encoding "
                     f"{r.headers.get('content-encoding')!r}")
        elif r.status == 200:
            try:
                gzip.decompress(r.body)
            except OSError as e:
                self.add("http-gzip", "playlists", f"{where}: gzip body does not decompress: {e}")

    # one round of playlist fetches
    def snapshot(self):
        snap = collections.OrderedDict()
        for url, rend in self.renditions.items():
            r = self.get(url, "playlist")
            t = time.time()
            if r.status != 200:
                self.add("http-status", rend.name, f"{self.short(url)} answered {r.status} {r.error or ''}")
                continue
            pl = MediaPlaylist(r.body.decode("utf-8", "replace"))
            if rend.history:
                self.compare_reload(rend, rend.history[-1][1], pl)
            rend.history.append((t, pl))
            for seg in pl.segments:
                rend.first_seen.setdefault(seg.msn, t)
            snap[url] = pl
            self.check_media(rend, pl)
        if snap:
            self.check_cross(snap)
        return snap

    def check_media(self, rend, pl):
        where = rend.name
        self.ran("media-version", "media-gap-version", "media-target-duration", "media-map",
                 "media-pdt", "media-pdt-order", "media-live-endlist", "media-live-playlist-type",
                 "media-discontinuity-sequence", "media-sequence-tag", "media-tags-order",
                 "apple-target-duration", "apple-live-window")
        for rule, msg, line in pl.problems:
            self.add(rule, where, f"{msg}:{pl.excerpt(line - 1, line + 1)}")
        need = 1
        if pl.segments and any(s.map for s in pl.segments):
            need = 6
        if any(s.extinf is not None and s.extinf != int(s.extinf) for s in pl.segments):
            need = max(need, 3)
        if pl.skip is not None:
            need = max(need, 9)
        if pl.version_count != 1 or (pl.version or 1) < need:
            self.add("media-version", where, f"{pl.version_count} EXT-X-VERSION tag(s), version {pl.version}, needs >= {need}:"
                     f"{pl.header_excerpt()}")
        gaps = [s for s in pl.segments if s.gap]
        if gaps and (pl.version or 1) < 8:
            self.add("media-gap-version", where, f"EXT-X-GAP in a version {pl.version} playlist:"
                     f"{pl.excerpt(gaps[0].first_line, gaps[0].line)}")
        if pl.target is None:
            self.add("media-target-duration", where, "no EXT-X-TARGETDURATION")
        else:
            for s in pl.segments:
                if s.extinf is not None and (math.floor(s.extinf + 0.5) > pl.target or s.extinf > pl.target + 0.5):
                    self.add("media-target-duration", where, f"EXTINF {s.extinf} > target {pl.target}:"
                             f"{pl.excerpt(2, 2)}{pl.excerpt(s.first_line, s.line)}")
            if pl.target != 6:
                self.add("apple-target-duration", where, f"target duration {pl.target} s")
            if self.live and pl.duration() < 900:
                self.add("apple-live-window", where, f"{pl.duration():.0f} s of content listed")
        if pl.segments and pl.segments[0].map is None:
            self.add("media-map", where, f"no EXT-X-MAP before the first segment:{pl.excerpt(0, pl.segments[0].line)}")
        if self.live and pl.segments and not any(s.pdt is not None for s in pl.segments):
            self.add("media-pdt", where, "no EXT-X-PROGRAM-DATE-TIME")
        prev = None
        for s in pl.segments:
            if s.disc:
                self.ran("media-pdt-discontinuity")
            if s.disc and s.pdt is None:
                self.add("media-pdt-discontinuity", where, f"EXT-X-DISCONTINUITY without a program date:"
                         f"{pl.excerpt(s.first_line, s.line)}")
            if prev is not None and prev.pdt is not None and s.pdt is not None and prev.extinf is not None:
                overlap = prev.pdt + prev.extinf - s.pdt
                if s.pdt <= prev.pdt or overlap >= 1.0:
                    self.add("media-pdt-order", where, f"program date {s.pdt_text} after {prev.pdt_text} + {prev.extinf} s:"
                             f"{pl.excerpt(prev.first_line, s.line)}")
            prev = s
        if self.live and pl.endlist:
            self.add("media-live-endlist", where, f"EXT-X-ENDLIST while the broadcast is live:{pl.excerpt(len(pl.lines) - 3, len(pl.lines))}")
        if self.live and pl.playlist_type is not None:
            self.add("media-live-playlist-type", where, f"EXT-X-PLAYLIST-TYPE:{pl.playlist_type} in a live playlist")
        if pl.dsn is None and (self.live or any(s.disc for s in pl.segments)):
            self.add("media-discontinuity-sequence", where, "no EXT-X-DISCONTINUITY-SEQUENCE"
                     + (" although the playlist has EXT-X-DISCONTINUITY" if any(s.disc for s in pl.segments) else ""),
                     None if any(s.disc for s in pl.segments) else SHOULD)
        if pl.part_inf is not None or pl.all_parts():
            self.check_ll_playlist(rend, pl)

    def check_ll_playlist(self, rend, pl):
        where = rend.name
        self.ran("ll-version", "ll-part-inf", "ll-part-target", "ll-part-min", "ll-part-hold-back",
                 "ll-hold-back", "ll-can-skip-until", "ll-can-block-reload", "ll-preload-hint",
                 "ll-rendition-reports", "ll-part-window", "ll-part-sum", "apple-part-target")
        sc = pl.server_control or {}
        head = pl.header_excerpt()
        if pl.part_inf is None or "PART-TARGET" not in pl.part_inf:
            self.add("ll-part-inf", where, f"EXT-X-PART without EXT-X-PART-INF:PART-TARGET:{head}")
            return
        pt = float(pl.part_inf["PART-TARGET"])
        if pt != 1.0:
            self.add("apple-part-target", where, f"PART-TARGET={pt}")
        if "CAN-SKIP-UNTIL" in sc and (pl.version or 0) < 9:
            self.add("ll-version", where, f"version {pl.version} in a playlist offering delta updates:{head}")
        phb = sc.get("PART-HOLD-BACK")
        if phb is None or float(phb) < 3 * pt - 1e-9:
            self.add("ll-part-hold-back", where, f"PART-HOLD-BACK={phb} with PART-TARGET={pt}:{head}")
        if "HOLD-BACK" in sc and float(sc["HOLD-BACK"]) < 3 * (pl.target or 0):
            self.add("ll-hold-back", where, f"HOLD-BACK={sc['HOLD-BACK']} < 3 x {pl.target}:{head}")
        if "CAN-SKIP-UNTIL" in sc and float(sc["CAN-SKIP-UNTIL"]) < 6 * (pl.target or 0) - 1e-9:
            self.add("ll-can-skip-until", where, f"CAN-SKIP-UNTIL={sc['CAN-SKIP-UNTIL']} < 6 x {pl.target}:{head}")
        if sc.get("CAN-BLOCK-RELOAD") != "YES":
            self.add("ll-can-block-reload", where, f"no CAN-BLOCK-RELOAD=YES:{head}")
        groups = [s.parts for s in pl.segments if s.parts] + ([pl.open_parts] if pl.open_parts else [])
        complete = {id(s.parts) for s in pl.segments}
        for parts in groups:
            for k, p in enumerate(parts):
                if p.duration > pt + 1e-9:
                    self.add("ll-part-target", where, f"part DURATION {p.duration} > PART-TARGET {pt}:{pl.excerpt(p.line)}")
                last = k == len(parts) - 1 and id(parts) in complete
                next_gap = k + 1 < len(parts) and parts[k + 1].gap
                if (not last and not p.independent and not p.gap and not next_gap
                        and p.duration < 0.85 * pt - 1e-9 and k + 1 < len(parts)):
                    self.add("ll-part-min", where, f"part of {p.duration} s < 85 % of {pt} s, not the last of its parent, "
                             f"not INDEPENDENT:{pl.excerpt(p.line)}")
        for s in pl.segments:
            if s.parts and s.extinf is not None:
                total = sum(p.duration for p in s.parts)
                if abs(total - s.extinf) > 0.001 + 1e-9:
                    self.add("ll-part-sum", where, f"parts add up to {total:.6f} s, EXTINF says {s.extinf}:"
                             f"{pl.excerpt(s.first_line, s.line)}")
        # parts only within the last 3 target durations
        if pl.target:
            end = pl.duration() + sum(p.duration for p in pl.open_parts)
            t = 0.0
            for s in pl.segments:
                if s.parts and end - (t + (s.extinf or 0)) > 3 * pl.target + 1e-6:
                    self.add("ll-part-window", where, f"parts of a segment that ends {end - t - s.extinf:.3f} s before the "
                             f"end of the playlist:{pl.excerpt(s.parts[0].line)}")
                t += s.extinf or 0
        parts_hints = [(a, i) for a, i in pl.hints if a.get("TYPE") == "PART"]
        if pl.endlist and pl.hints:
            self.add("ll-preload-hint", where, f"EXT-X-PRELOAD-HINT after EXT-X-ENDLIST:{pl.excerpt(pl.hints[0][1])}")
        elif not pl.endlist and pl.all_parts() and len(parts_hints) != 1:
            self.add("ll-preload-hint", where, f"{len(parts_hints)} EXT-X-PRELOAD-HINT TYPE=PART tags")
        # rendition reports: one per other media playlist
        reported = collections.Counter(urllib.parse.urljoin(rend.url, a.get("URI", "")) for a, _ in pl.reports)
        for other in self.renditions:
            if other != rend.url and reported[other] != 1:
                self.add("ll-rendition-reports", where, f"{reported[other]} EXT-X-RENDITION-REPORT for {self.short(other)}:"
                         + (pl.excerpt(pl.reports[0][1], pl.reports[-1][1]) if pl.reports else " (none)"))
        for url in reported:
            if url not in self.renditions or url == rend.url:
                self.add("ll-rendition-reports", where, f"a report names {self.short(url)}, not another media playlist of the master")

    # reloads
    def compare_reload(self, rend, prev, cur):
        where = rend.name
        self.ran("reload-version", "reload-target-duration", "reload-media-sequence",
                 "reload-discontinuity-sequence", "reload-stable", "reload-parts-stable", "reload-endlist",
                 "media-live-length")
        if cur.version != prev.version:
            self.add("reload-version", where, f"EXT-X-VERSION {prev.version} -> {cur.version}")
        if cur.target != prev.target:
            self.add("reload-target-duration", where, f"EXT-X-TARGETDURATION {prev.target} -> {cur.target}:"
                     f"\n    before:{prev.header_excerpt()}\n    after:{cur.header_excerpt()}")
        if (cur.msn or 0) < (prev.msn or 0):
            self.add("reload-media-sequence", where, f"EXT-X-MEDIA-SEQUENCE {prev.msn} -> {cur.msn}")
        if (cur.dsn or 0) < (prev.dsn or 0):
            self.add("reload-discontinuity-sequence", where, f"EXT-X-DISCONTINUITY-SEQUENCE {prev.dsn} -> {cur.dsn}")
        if prev.endlist and not cur.endlist:
            self.add("reload-endlist", where, "EXT-X-ENDLIST disappeared")
        old = prev.by_msn()
        for s in cur.segments:
            o = old.get(s.msn)
            if o is None:
                continue
            diffs = []
            for attr in ("uri", "extinf", "gap", "map", "pdt"):
                if getattr(o, attr) != getattr(s, attr):
                    diffs.append(f"{attr} {getattr(o, attr)!r} -> {getattr(s, attr)!r}")
            if diffs:
                self.add("reload-stable", where, f"segment {s.msn} changed ({'; '.join(diffs)}):\n    before:"
                         f"{prev.excerpt(o.first_line, o.line)}\n    after:{cur.excerpt(s.first_line, s.line)}")
            if o.dseq != s.dseq:
                self.add("reload-discontinuity-sequence", where, f"segment {s.msn} had discontinuity sequence {o.dseq}, now {s.dseq}")
        if prev.segments and cur.segments:
            # segments may only go at the head: everything before the new first one is gone,
            # everything after it that was listed is still listed
            missing = [m for m in old if m >= cur.segments[0].msn and m not in cur.by_msn()]
            if missing:
                self.add("reload-stable", where, f"segments {missing} vanished from the middle of the playlist")
            if cur.segments[0].msn > prev.segments[0].msn:
                rend.removal_seen = True
        # parts: common ones identical; removal in playlist order only
        prev_parts = {(p.msn, p.index): p for p in prev.all_parts()}
        cur_parts = {(p.msn, p.index): p for p in cur.all_parts()}
        for k, p in cur_parts.items():
            o = prev_parts.get(k)
            if o is not None and o.key() != p.key():
                self.add("reload-parts-stable", where, f"part {k} changed: {o.key()} -> {p.key()}")
        gone = [k for k in prev_parts if k not in cur_parts]
        kept = [k for k in prev_parts if k in cur_parts]
        if gone and kept and max(gone) > min(kept):
            self.add("reload-parts-stable", where, f"parts removed out of order: gone {gone[-3:]}, kept {kept[:3]}")
        # a complete segment must not lose parts while it still has some
        # live length once segments have been removed
        if self.live and rend.removal_seen and cur.target:
            if cur.duration() < 3 * cur.target - 1e-6 or len(cur.segments) < 6:
                self.add("media-live-length", where, f"{len(cur.segments)} segments, {cur.duration():.3f} s with target "
                         f"{cur.target} after removing segments:{cur.header_excerpt()}")

    def check_update_cadence(self, interval):
        self.ran("reload-update")
        for rend in self.renditions.values():
            if not rend.history or not self.live:
                continue
            target = rend.history[-1][1].target or 0
            # only segments that appeared while we watched (not those listed at the first look)
            first_t = rend.history[0][0]
            appeared = [(m, t) for m, t in sorted(rend.first_seen.items()) if t > first_t]
            for (m0, t0), (m1, t1) in zip(appeared, appeared[1:]):
                if t1 - t0 > 1.5 * target + interval + 0.5:
                    self.add("reload-update", rend.name, f"segment {m1} appeared {t1 - t0:.1f} s after segment {m0} "
                             f"(target {target} s, polled every {interval} s)")

    # cross-rendition checks on one round
    def check_cross(self, snap):
        self.ran("renditions-target-duration", "renditions-server-control", "renditions-aligned",
                 "renditions-discontinuities", "renditions-duration")
        targets = {self.renditions[u].name: pl.target for u, pl in snap.items()}
        if len(set(targets.values())) > 1:
            self.add("renditions-target-duration", "all", f"target durations {targets}")
        controls = {self.renditions[u].name: tuple(sorted((pl.server_control or {}).items())) for u, pl in snap.items()}
        if len(set(controls.values())) > 1:
            self.add("renditions-server-control", "all", f"EXT-X-SERVER-CONTROL differs: {controls}")
        ref_url = next(iter(snap))
        ref = snap[ref_url].by_msn()
        ref_name = self.renditions[ref_url].name
        for url, pl in list(snap.items())[1:]:
            name = self.renditions[url].name
            for s in pl.segments:
                r = ref.get(s.msn)
                if r is None:
                    continue
                audio = "audio" in (self.renditions[ref_url].kind, self.renditions[url].kind)
                # Audio EXTINF is the audio's own duration: whole AAC frames (≤ 1024/44100 s
                # each) fall up to one frame before or after the video's cut.
                tolerance = 0.024 if audio else 0.0005
                seen = self.renditions[url].first_seen
                run_start = s.disc or s.msn == min(seen, default=s.msn)
                if audio and run_start:
                    pass  # the audio of a run may start after its first video frame
                elif r.extinf is not None and s.extinf is not None and abs(r.extinf - s.extinf) > tolerance:
                    self.add("renditions-aligned", f"{ref_name}/{name}", f"segment {s.msn}: EXTINF {r.extinf} in {ref_name}, "
                             f"{s.extinf} in {name}")
                if r.dseq != s.dseq:
                    where = f"{ref_name}/{name}"
                    first = ("renditions-discontinuities", where, MUST) not in self._findings
                    self.add("renditions-discontinuities", where, f"segment {s.msn}: discontinuity sequence {r.dseq} "
                             f"in {ref_name}, {s.dseq} in {name}"
                             + (f":\n    {ref_name}:{snap[ref_url].excerpt(r.first_line, r.line)}\n    {name}:"
                                f"{pl.excerpt(s.first_line, s.line)}" if first else ""))
        lasts = {u: pl.last_msn() for u, pl in snap.items()}
        if len(set(lasts.values())) == 1:
            durs = {self.renditions[u].name: round(pl.duration(), 3) for u, pl in snap.items()}
            firsts = {u: pl.segments[0].msn if pl.segments else None for u, pl in snap.items()}
            # The audio may cover up to one AAC frame more or less than the video, plus, when
            # the window starts with a run's first segment, the time before its audio began.
            video = [pl for u, pl in snap.items() if self.renditions[u].kind == "video" and pl.segments]
            video_durs = [pl.duration() for pl in video]

            def lead(url, pl):
                # A run's first segment: its audio may begin after its video (shorter EXTINF).
                first = pl.segments[0]
                if not (first.disc or first.msn == min(self.renditions[url].first_seen, default=first.msn)):
                    return 0.0
                return max(0.0, (video[0].segments[0].extinf or 0) - (first.extinf or 0))

            audio_ok = all(abs(pl.duration() - video_durs[0]) <= 0.024 + lead(u, pl)
                           for u, pl in snap.items()
                           if video and pl.segments and self.renditions[u].kind == "audio")
            video_same = len({round(d, 3) for d in video_durs}) <= 1
            if not (video_same and audio_ok) and len(set(firsts.values())) == 1:
                self.add("renditions-duration", "all", f"same segments {min(firsts.values())}..{min(lasts.values())}, "
                         f"durations {durs}")

    # media sampling
    def fetch_init(self, url):
        if url in self.inits:
            return self.inits[url]
        r = self.get(url, "init")
        info = None
        if r.status != 200:
            self.add("http-status", "init", f"{self.short(url)} answered {r.status} {r.error or ''}")
        else:
            info = InitInfo(r.body)
            self.ran("fmp4-init-ftyp", "fmp4-init-moov", "fmp4-init-one-track")
            for rule, msg in info.problems:
                self.add(rule, self.short(url), msg)
            if len(info.tracks) != 1:
                self.add("fmp4-init-one-track", self.short(url), f"{len(info.tracks)} tracks: "
                         f"{[(t.track_id, t.handler) for t in info.tracks.values()]}")
        self.inits[url] = info
        return info

    def fetch_frag(self, url, init, kind, where, timeout=DEFAULT_TIMEOUT):
        if url in self.frags:
            return self.frags[url]
        r = self.get(url, kind, timeout=timeout)
        if r.status != 200:
            self.add("http-status", kind, f"{self.short(url)} answered {r.status} {r.error or ''}")
            return None
        info = FragInfo(r.body, init)
        info.nbytes = len(r.body)
        self.ran("fmp4-segment-structure", "fmp4-data-offsets")
        for rule, msg in info.problems:
            self.add(rule, where, f"{self.short(url)}: {msg}")
        self.frags[url] = info
        return info

    def sample_media(self, snap):
        for url, pl in snap.items():
            rend = self.renditions[url]
            for s in pl.segments:
                if s.gap or s.msn in rend.segments or s.map is None:
                    continue
                init_url = urllib.parse.urljoin(url, s.map)
                init = self.fetch_init(init_url)
                frag = self.fetch_frag(urllib.parse.urljoin(url, s.uri), init, "segment", rend.name)
                if init is None or frag is None or not frag.trafs:
                    continue
                tid, tfdt, samples = frag.track()
                track = init.tracks.get(tid)
                if track is None or not track.timescale:
                    continue
                info = dict(msn=s.msn, extinf=s.extinf, disc=s.disc, dseq=s.dseq, pdt=s.pdt, tfdt=tfdt,
                            ticks=sum(x.duration for x in samples), timescale=track.timescale,
                            handler=track.handler, nbytes=frag.nbytes, samples=samples, init=init_url,
                            sync=[i for i, x in enumerate(samples) if x.sync])
                rend.segments[s.msn] = info
                rend.kind = "audio" if track.handler == "soun" else "video" if track.handler == "vide" else rend.kind
                self.check_segment_media(rend, s, frag, track, info)
            if pl.all_parts():
                self.sample_parts(rend, url, pl)
        self.check_media_timeline()

    def check_segment_media(self, rend, s, frag, track, info):
        where = rend.name
        samples = info["samples"]
        if track.handler == "soun":
            self.ran("fmp4-audio-timescale")
            if track.sample_rate and track.timescale != track.sample_rate:
                self.add("fmp4-audio-timescale", where, f"timescale {track.timescale}, sample rate {track.sample_rate}")
        if track.handler == "vide" and samples:
            self.ran("fmp4-video-idr")
            first = samples[0]
            nals = frag.nal_types(first, track.length_size) if track.entry in ("avc1", "avc3") else None
            if not first.sync or (nals is not None and 5 not in nals):
                self.add("fmp4-video-idr", where, f"segment {s.msn} ({s.uri}) starts with a {'sync' if first.sync else 'non-sync'}"
                         f" sample, NAL types {nals}")

    def check_media_timeline(self):
        frame = self.frame_duration or 1 / 30
        self.ran("fmp4-tfdt-continuity", "media-extinf-accuracy", "renditions-timestamps",
                 "renditions-program-date", "fmp4-keyframe-interval")
        video = [r for r in self.renditions.values() if r.kind == "video" and r.segments]
        for rend in self.renditions.values():
            segs = rend.segments
            msns = sorted(segs)
            for a, b in zip(msns, msns[1:]):
                if b != a + 1:
                    continue
                sa, sb = segs[a], segs[b]
                if sb["disc"]:
                    continue
                expected = sa["tfdt"] + sa["ticks"]
                if abs(sb["tfdt"] - expected) > 1 and not sb.get("tfdt_reported"):
                    sb["tfdt_reported"] = True
                    self.add("fmp4-tfdt-continuity", rend.name, f"segment {b} tfdt {sb['tfdt']}, segment {a} ends at {expected} "
                             f"({(sb['tfdt'] - expected) / sa['timescale'] * 1000:+.1f} ms), no EXT-X-DISCONTINUITY")
            # Apple 8.1 within each run of consecutive segments without a discontinuity
            runs, cur = [], []
            for m in msns:
                if cur and (m != cur[-1] + 1 or segs[m]["disc"]):
                    runs.append(cur)
                    cur = []
                cur.append(m)
            if cur:
                runs.append(cur)
            worst, per_seg = 0.0, 0.0
            for run in runs:
                prefix = [0.0]
                for m in run:
                    x = segs[m]
                    # every rendition's EXTINF is its own media duration (the audio's too)
                    err = (x["extinf"] or 0) - x["ticks"] / x["timescale"]
                    per_seg = max(per_seg, abs(err))
                    prefix.append(prefix[-1] + err)
                spread = max(prefix) - min(prefix)
                worst = max(worst, spread)
            if worst > frame + 0.0005:
                self.add("media-extinf-accuracy", rend.name, f"EXTINF sums drift up to {worst * 1000:.1f} ms from the media "
                         f"durations over consecutive segments (one video frame: {frame * 1000:.1f} ms)")
            if per_seg > 0.001 + 1e-9:
                self.add("media-extinf-accuracy", rend.name, f"an EXTINF differs from its segment's media duration by "
                         f"{per_seg * 1000:.1f} ms (cumulative drift {worst * 1000:.1f} ms stays within a frame)", SHOULD)
            if rend.kind == "video":
                for m in msns:
                    x = segs[m]
                    t, gaps = 0, []
                    for i, smp in enumerate(x["samples"]):
                        if smp.sync and i:
                            gaps.append(t)
                        t += smp.duration
                    starts = [0] + gaps
                    longest = max([b - a for a, b in zip(starts, starts[1:] + [x["ticks"]])] or [0]) / x["timescale"]
                    if longest > 2.0 + 1e-3 and not x.get("gop_reported"):
                        x["gop_reported"] = True
                        self.add("fmp4-keyframe-interval", rend.name, f"segment {m}: {longest:.2f} s without a key frame")
        # across renditions: start times and program dates per segment number
        if not video:
            return
        ref = video[0]
        for rend in self.renditions.values():
            if rend is ref:
                continue
            for m, x in rend.segments.items():
                r = ref.segments.get(m)
                if r is None or r["dseq"] != x["dseq"] or x.get("xchecked"):
                    continue
                x["xchecked"] = True
                t_ref = r["tfdt"] / r["timescale"]
                t_x = x["tfdt"] / x["timescale"]
                tol = 0.001
                if rend.kind == "audio" and x["samples"]:
                    tol = x["samples"][0].duration / x["timescale"] + 0.001
                lead = self.late_audio_start(rend, m) if rend.kind == "audio" else 0.0
                if lead:
                    self.add("renditions-timestamps", f"{ref.name}/{rend.name}", f"segment {m}: the audio begins "
                             f"{lead * 1000:.1f} ms after the video ({t_x:.4f} s / {t_ref:.4f} s) and ends with it: the "
                             f"source's audio starts later (no matching content to misalign)", SHOULD)
                    t_x = t_ref
                elif abs(t_ref - t_x) > tol:
                    self.add("renditions-timestamps", f"{ref.name}/{rend.name}", f"segment {m} starts at {t_ref:.4f} s in "
                             f"{ref.name}, {t_x:.4f} s in {rend.name} ({(t_x - t_ref) * 1000:+.1f} ms; tolerance "
                             f"{tol * 1000:.1f} ms)")
                if r["pdt"] is not None and x["pdt"] is not None:
                    off = (x["pdt"] - t_x) - (r["pdt"] - t_ref)
                    if abs(off) > frame + 0.001:
                        self.add("renditions-program-date", f"{ref.name}/{rend.name}", f"segment {m}: program date - media "
                                 f"time differs by {off * 1000:+.0f} ms between {ref.name} and {rend.name} (program dates "
                                 f"{_fmt_time(r['pdt'])} / {_fmt_time(x['pdt'])}, media times {t_ref:.3f} / {t_x:.3f} s)")

    def late_audio_start(self, rend, m):
        """Seconds by which audio segment m begins after video segment m while ending with it
        (within one audio frame), when m starts a run (EXT-X-DISCONTINUITY, or no segment m-1
        was ever listed): audio that starts later than the video at a stream start or a join.
        0 when not so."""
        x = rend.segments.get(m)
        video = [r for r in self.renditions.values() if r.kind == "video" and m in r.segments]
        if x is None or not video or not x["samples"]:
            return 0.0
        if not x["disc"] and (m - 1) in rend.first_seen:
            return 0.0
        r = video[0].segments[m]
        frame = x["samples"][0].duration / x["timescale"]
        start_a, start_v = x["tfdt"] / x["timescale"], r["tfdt"] / r["timescale"]
        end_a, end_v = start_a + x["ticks"] / x["timescale"], start_v + r["ticks"] / r["timescale"]
        if start_a - start_v > frame + 0.001 and abs(end_a - end_v) <= frame + 0.001:
            return start_a - start_v
        return 0.0

    def check_bandwidth(self):
        self.ran("master-measured-bandwidth", "master-codecs", "master-resolution", "master-frame-rate",
                 "master-media-channels", "master-independent")
        audio = [r for r in self.renditions.values() if r.kind == "audio"]
        audio_peak = 0.0
        for r in audio:
            for x in r.segments.values():
                if x["extinf"]:
                    audio_peak = max(audio_peak, x["nbytes"] * 8 / x["extinf"])
        m = self.master
        if m is None:
            return
        media_by_group = collections.defaultdict(list)
        for attrs, _ in m.media:
            if attrs.get("URI"):
                media_by_group[attrs.get("GROUP-ID")].append(urllib.parse.urljoin(self.master_url, attrs["URI"]))
        for attrs, uri, i in m.variants:
            url = urllib.parse.urljoin(self.master_url, uri)
            rend = self.renditions.get(url)
            if rend is None or not rend.segments:
                continue
            where = f"master {rend.name}"
            ex = m.excerpt(i)
            rates = [(x["nbytes"] * 8 / x["extinf"], m) for m, x in rend.segments.items()
                     if x["extinf"] and x["extinf"] >= 0.5 * (rend.history[-1][1].target or 0)]
            peak, peak_msn = max(rates, default=(0, None))
            total = peak + audio_peak
            bw = int(attrs.get("BANDWIDTH", 0) or 0)
            if bw and total > bw:
                self.add("master-measured-bandwidth", where, f"measured peak {total / 1000:.0f} kbit/s (video segment "
                         f"{peak_msn}: {peak / 1000:.0f} + audio {audio_peak / 1000:.0f}) = {total / bw * 100:.0f} % of BANDWIDTH "
                         f"{bw / 1000:.0f} kbit/s:{ex}", None if total > 1.25 * bw else SHOULD)
            # codecs, resolution, frame rate against the inits
            declared = [c.strip() for c in attrs.get("CODECS", "").split(",") if c.strip()]
            actual = set()
            inits = {x["init"] for x in rend.segments.values()}
            for group_url in media_by_group.get(attrs.get("AUDIO"), []):
                g = self.renditions.get(group_url)
                if g:
                    inits |= {x["init"] for x in g.segments.values()}
            vtrack = None
            for iu in inits:
                info = self.inits.get(iu)
                for t in (info.tracks.values() if info else []):
                    if t.codec:
                        actual.add(t.codec)
                    if t.handler == "vide":
                        vtrack = t
            if declared and actual and not actual <= set(declared):
                self.add("master-codecs", where, f"the media holds {sorted(actual)}, CODECS lists {declared}:{ex}")
            if vtrack and "RESOLUTION" in attrs:
                if attrs["RESOLUTION"] != f"{vtrack.width}x{vtrack.height}":
                    self.add("master-resolution", where, f"RESOLUTION={attrs['RESOLUTION']}, init says "
                             f"{vtrack.width}x{vtrack.height}:{ex}", SHOULD)
            if "FRAME-RATE" in attrs:
                durs = [smp.duration for x in rend.segments.values() for smp in x["samples"]]
                ts = next(iter(rend.segments.values()))["timescale"]
                if durs:
                    fps = ts / (sum(durs) / len(durs))
                    if fps > float(attrs["FRAME-RATE"]) * 1.01:
                        self.add("master-frame-rate", where, f"measured {fps:.3f} fps > FRAME-RATE={attrs['FRAME-RATE']}:{ex}",
                                 SHOULD)
            if not m.independent and not rend.history[-1][1].independent:
                self.add("master-independent", where, "EXT-X-INDEPENDENT-SEGMENTS neither in the master nor in this video playlist")
        if not m.independent:
            self.add("master-independent", "master", "no EXT-X-INDEPENDENT-SEGMENTS in the master", SHOULD)
        for attrs, i in m.media:
            if attrs.get("TYPE") != "AUDIO" or not attrs.get("URI"):
                continue
            g = self.renditions.get(urllib.parse.urljoin(self.master_url, attrs["URI"]))
            info = self.inits.get(next(iter(g.segments.values()))["init"]) if g and g.segments else None
            track = next(iter(info.tracks.values()), None) if info else None
            if track and attrs.get("CHANNELS"):
                if attrs["CHANNELS"].split("/")[0] != str(track.channels):
                    self.add("master-media-channels", f"master group AUDIO/{attrs.get('GROUP-ID')}",
                             f"CHANNELS={attrs['CHANNELS']!r}, the audio init has {track.channels} channel(s):{m.excerpt(i, 1)}")
        for attrs, uri, i in m.variants:
            rend = self.renditions.get(urllib.parse.urljoin(self.master_url, uri))
            if rend and rend.kind == "video" and "AUDIO" in attrs:
                info = self.inits.get(next(iter(rend.segments.values()))["init"]) if rend.segments else None
                if info and not any(t.handler == "soun" for t in info.tracks.values()):
                    for a, j in m.media:
                        if a.get("GROUP-ID") == attrs["AUDIO"] and a.get("TYPE") == "AUDIO" and not a.get("URI"):
                            self.add("master-audio-group", f"master group AUDIO/{attrs['AUDIO']}", "no URI although the video "
                                     f"segments carry no audio:{m.excerpt(j, 1)}")

    # low latency: parts
    def sample_parts(self, rend, url, pl):
        self.ran("ll-part-samples", "ll-part-duration", "ll-independent")
        where = rend.name
        for s in pl.segments[-2:] + [None]:
            parts = s.parts if s is not None else pl.open_parts
            if not parts or parts[0].index != 0:
                continue
            map_uri = s.map if s is not None else pl.open_map
            if map_uri is None:
                continue
            init = self.fetch_init(urllib.parse.urljoin(url, map_uri))
            if init is None:
                continue
            got = []
            for p in parts:
                if p.gap:
                    got.append(None)
                    continue
                frag = self.fetch_frag(urllib.parse.urljoin(url, p.uri), init, "part", where)
                got.append(frag)
                if frag is None or not frag.trafs:
                    continue
                tid, tfdt, samples = frag.track()
                track = init.tracks.get(tid)
                if track is None or not track.timescale or not samples:
                    continue
                actual = sum(x.duration for x in samples) / track.timescale
                if abs(actual - p.duration) > 0.001 + 1e-9 and not getattr(frag, "dur_reported", False):
                    frag.dur_reported = True
                    self.add("ll-part-duration", where, f"{p.uri}: DURATION={p.duration}, samples last {actual:.6f} s")
                has_sync = any(x.sync for x in samples)
                if getattr(frag, "ind_checked", False):
                    continue
                frag.ind_checked = True
                if p.independent and not has_sync:
                    self.add("ll-independent", where, f"{p.uri}: INDEPENDENT=YES but no sync sample:{pl.excerpt(p.line)}")
                elif p.independent and not samples[0].sync:
                    self.add("ll-independent", where, f"{p.uri}: INDEPENDENT=YES but its first sample is not a sync sample "
                             f"(a client joining here drops frames):{pl.excerpt(p.line)}", SHOULD)
                elif not p.independent and samples[0].sync:
                    self.add("ll-independent", where, f"{p.uri} starts with a sync sample but has no INDEPENDENT=YES:"
                             f"{pl.excerpt(p.line)}")
                elif not p.independent and has_sync:
                    self.add("ll-independent", where, f"{p.uri} contains a sync sample (not at its start) but has no "
                             f"INDEPENDENT=YES:{pl.excerpt(p.line)}", SHOULD)
            if s is None or any(f is None or not f.trafs for f in got):
                continue
            parent = self.frags.get(urllib.parse.urljoin(url, s.uri))
            if parent is None or not parent.trafs or getattr(parent, "parts_compared", False):
                continue
            parent.parts_compared = True
            joined = [x for f in got for x in f.track()[2]]
            mine = parent.track()[2]
            sig = lambda xs: [(x.duration, x.size, x.sync, x.cto) for x in xs]  # noqa: E731
            first_tfdt = got[0].track()[1]
            if sig(joined) != sig(mine) or first_tfdt != parent.track()[1]:
                spans = ", ".join(f"{f.track()[1]}..{f.track()[1] + sum(x.duration for x in f.track()[2])}" for f in got)
                self.add("ll-part-samples", where, f"segment {s.msn} ({s.uri}): {len(mine)} samples, tfdt "
                         f"{parent.track()[1]}..{parent.track()[1] + sum(x.duration for x in mine)}; its {len(parts)} parts hold "
                         f"{len(joined)} samples, tfdt spans {spans}" + _first_diff(sig(joined), sig(mine)))
            else:
                data_parts = b"".join(f.buf[x.start:x.start + x.size] for f in got for x in f.track()[2])
                data_seg = b"".join(parent.buf[x.start:x.start + x.size] for x in mine)
                if data_parts != data_seg:
                    self.add("ll-part-samples", where, f"segment {s.msn}: same sample table, different sample bytes than its parts")

    # low latency: delivery directives
    def check_low_latency(self, cadence_seconds=4.0):
        snap = collections.OrderedDict((u, r.history[-1][1]) for u, r in self.renditions.items() if r.history)
        ll = [(u, pl) for u, pl in snap.items() if pl.part_inf is not None]
        if not ll:
            return
        self.check_reports(ll)
        for url, pl in ll:
            self.check_skip(url, pl)
        url, pl = ll[0]
        self.check_blocking(url, pl, cadence_seconds)
        self.check_blocking_errors(url, pl)

    def check_reports(self, ll):
        self.ran("ll-report-edge")
        for url, _ in ll:
            r = self.get(url, "playlist")
            if r.status != 200:
                continue
            pl = MediaPlaylist(r.body.decode())
            pt = float(pl.part_inf.get("PART-TARGET", 1)) if pl.part_inf else 1.0
            for attrs, line in pl.reports:
                other = urllib.parse.urljoin(url, attrs.get("URI", ""))
                if other not in self.renditions:
                    continue
                after = self.get(other, "playlist")
                if after.status != 200:
                    continue
                opl = MediaPlaylist(after.body.decode())
                edge = opl.edge()
                rep = (int(attrs.get("LAST-MSN", -1)), int(attrs["LAST-PART"]) if "LAST-PART" in attrs else None)
                where = f"{self.renditions[url].name} -> {self.renditions[other].name}"
                if edge[0] is None:
                    continue
                if _pos(rep) > _pos(edge):
                    self.add("ll-report-edge", where, f"report says {rep}, the playlist fetched right after ends at {edge}:"
                             f"{pl.excerpt(line)}")
                else:
                    behind = _parts_between(opl, rep, edge)
                    # fetched after the report: allow the parts published in between (~ one part per part target)
                    if behind is not None and behind > 2 + int(after.seconds / pt):
                        self.add("ll-report-edge", where, f"report says {rep}, {behind} parts behind the playlist's edge {edge}:"
                                 f"{pl.excerpt(line)}", SHOULD)

    def check_skip(self, url, _pl):
        self.ran("ll-delta-update")
        where = self.renditions[url].name
        sep = "&" if "?" in url else "?"
        for _ in range(4):
            full1 = self.get(url, "playlist")
            delta = self.get(url + sep + "_HLS_skip=YES", "playlist")
            full2 = self.get(url, "playlist")
            if 200 != full1.status or 200 != delta.status or full1.body != full2.body:
                continue
            full = MediaPlaylist(full1.body.decode())
            d = MediaPlaylist(delta.body.decode())
            boundary = float((full.server_control or {}).get("CAN-SKIP-UNTIL", 0))
            if not boundary:
                return
            skipped = int(d.skip.get("SKIPPED-SEGMENTS", -1)) if d.skip else 0
            if d.skip is not None and (d.version or 0) < 9:
                self.add("ll-delta-update", where, f"EXT-X-SKIP in a version {d.version} playlist")
            if d.msn != full.msn:
                self.add("ll-delta-update", where, f"EXT-X-MEDIA-SEQUENCE {d.msn} in the delta, {full.msn} in the full playlist")
            if [s.uri for s in d.segments] != [s.uri for s in full.segments[skipped:]]:
                self.add("ll-delta-update", where, f"SKIPPED-SEGMENTS={skipped} but the delta lists "
                         f"{[s.uri for s in d.segments][:2]}... while the full playlist has {[s.uri for s in full.segments][:3]}...")
                return
            # the kept lines are the full playlist's lines from the first kept segment's tags on
            if full.segments[skipped:]:
                first = full.segments[skipped]
                tail_full = [l for l in full.lines[first.first_line:] if l]
                first_d = d.segments[0]
                tail_delta = [l for l in d.lines[first_d.first_line:] if l]
                # The EXT-X-MAP in effect for the first kept segment may be restated after
                # EXT-X-SKIP (it applies to kept segments too, so it is not skipped, RFC 4.4.5.2).
                restated = f'#EXT-X-MAP:URI="{first.map}"'
                if tail_delta[:1] == [restated] and tail_full[:1] != [restated]:
                    tail_delta = tail_delta[1:]
                if tail_full != tail_delta:
                    k = next((i for i, (a, b) in enumerate(zip(tail_full, tail_delta)) if a != b),
                             min(len(tail_full), len(tail_delta)))
                    self.add("ll-delta-update", where, f"the lines after EXT-X-SKIP differ from the full playlist's, first at"
                             f" line {k} of the kept part: full {tail_full[k:k + 2]} / delta {tail_delta[k:k + 2]}:"
                             f"{d.excerpt(d.skip_line - 1, d.skip_line + 4)}")
            total = full.duration()
            end = 0.0
            for k, s in enumerate(full.segments):
                end += s.extinf or 0
                dist = total - end
                if k < skipped and dist < boundary - 0.001:
                    self.add("ll-delta-update", where, f"segment {s.msn} was skipped although it ends {dist:.3f} s before the "
                             f"end, within the skip boundary {boundary}")
            kept = full.segments[skipped:]
            if kept:
                dist_first = total - sum(s.extinf or 0 for s in full.segments[:skipped + 1])
                if dist_first > boundary + (kept[0].extinf or 0) + 0.001:
                    self.add("ll-delta-update", where, f"segment {kept[0].msn} ends {dist_first:.3f} s before the end, beyond "
                             f"the skip boundary {boundary}, but was not skipped", SHOULD)
            self.log(f"  delta update of {where}: SKIPPED-SEGMENTS={skipped} of {len(full.segments)} "
                     f"(listed {total:.1f} s, boundary {boundary} s)")
            return
        self.log(f"  delta update of {where}: the playlist kept changing; not compared")

    def check_blocking(self, url, pl, seconds):
        self.ran("ll-blocking-reload", "ll-hint-available", "ll-part-cadence")
        where = self.renditions[url].name
        sep = "&" if "?" in url else "?"
        target = pl.target or 1
        pt = float(pl.part_inf["PART-TARGET"])
        r = self.get(url, "playlist")
        if r.status != 200:
            return
        cur = MediaPlaylist(r.body.decode())
        hints = [a for a, _ in cur.hints if a.get("TYPE") == "PART"]
        if not hints:
            return
        hint_url = urllib.parse.urljoin(url, hints[0]["URI"])
        # 1. the hinted part itself: answered once it exists
        hr = self.get(hint_url, "part", timeout=3 * target + 3)
        after = self.get(url, "playlist")
        after_pl = MediaPlaylist(after.body.decode()) if after.status == 200 else None
        listed = after_pl is not None and any(urllib.parse.urljoin(url, p.uri) == hint_url for p in after_pl.all_parts())
        if hr.status == 200:
            if hr.seconds > 3 * target:
                self.add("ll-hint-available", where, f"hinted {hints[0]['URI']} took {hr.seconds:.2f} s")
        elif hr.status == 404 and not listed:
            self.log(f"  hinted {hints[0]['URI']} answered 404 and was not published (allowed by RFC 6.2.6)")
        else:
            self.add("ll-hint-available", where, f"hinted {hints[0]['URI']} answered {hr.status} after {hr.seconds:.2f} s"
                     f"{' although it is listed now' if listed else ''}")
        # 2. blocking reloads for successive parts: cadence and content
        gaps, last_t = [], None
        deadline = time.monotonic() + seconds
        r = self.get(url, "playlist")
        cur = MediaPlaylist(r.body.decode())
        msn, part = cur.open_msn, len(cur.open_parts)
        while time.monotonic() < deadline:
            q = f"{url}{sep}_HLS_msn={msn}&_HLS_part={part}"
            br = self.get(q, "playlist", timeout=3 * target + 3)
            now = time.monotonic()
            if br.status != 200:
                self.add("ll-blocking-reload", where, f"_HLS_msn={msn}&_HLS_part={part} answered {br.status} after "
                         f"{br.seconds:.2f} s", None if br.status != 503 or br.seconds < 3 * target else SHOULD)
                return
            got = MediaPlaylist(br.body.decode())
            have = {(p.msn, p.index) for p in got.all_parts()}
            ok = (msn, part) in have or any(p.msn > msn for p in got.all_parts()) or (got.last_msn() or -1) >= msn
            if not ok:
                self.add("ll-blocking-reload", where, f"_HLS_msn={msn}&_HLS_part={part} answered a playlist ending at "
                         f"{got.edge()} after {br.seconds:.2f} s:{got.excerpt(len(got.lines) - 4, len(got.lines))}")
                return
            if br.seconds > 3 * target:
                self.add("ll-blocking-reload", where, f"_HLS_msn={msn}&_HLS_part={part} took {br.seconds:.2f} s (> 3 x target)")
            if last_t is not None:
                gaps.append((now - last_t, (msn, part)))
            last_t = now
            msn, part = got.open_msn, len(got.open_parts)
        if gaps:
            worst, at = max(gaps)
            self.log(f"  blocking reloads on {where}: {len(gaps)} parts, gaps {min(g for g, _ in gaps):.3f}.."
                     f"{worst:.3f} s (PART-TARGET {pt})")
            if worst > 2 * pt:
                self.add("ll-part-cadence", where, f"part {at} was published {worst:.3f} s after the previous one "
                         f"(PART-TARGET {pt})")
            elif worst > 1.5 * pt:
                self.add("ll-part-cadence", where, f"part {at} was published {worst:.3f} s after the previous one "
                         f"(PART-TARGET {pt})", SHOULD)

    def check_blocking_errors(self, url, pl):
        self.ran("ll-blocking-errors")
        where = self.renditions[url].name
        sep = "&" if "?" in url else "?"
        r = self.get(f"{url}{sep}_HLS_part=0", "playlist", check_headers=False)
        if r.status != 400:
            self.add("ll-blocking-errors", where, f"_HLS_part without _HLS_msn answered {r.status}")
        last = pl.last_msn() or 0
        r = self.get(f"{url}{sep}_HLS_msn={last + 10}", "playlist", check_headers=False, timeout=3 * (pl.target or 1) + 3)
        if r.status != 400:
            self.add("ll-blocking-errors", where, f"_HLS_msn={last + 10} (last segment {last}) answered {r.status} after "
                     f"{r.seconds:.2f} s", SHOULD)

    # driving
    def observe(self, seconds, interval=1.0, stop=None):
        """Reloads every media playlist every `interval` s for `seconds` s, checking each
        rendering, each reload against the previous one, and the segments and parts they add."""
        deadline = time.monotonic() + seconds
        rounds = 0
        while True:
            t0 = time.monotonic()
            snap = self.snapshot()
            self.sample_media(snap)
            rounds += 1
            if time.monotonic() >= deadline or (stop is not None and stop.is_set()):
                break
            time.sleep(max(0.0, interval - (time.monotonic() - t0)))
        self.check_update_cadence(interval)
        return rounds

    def run(self, reload_seconds=8.0, interval=1.0, ll_seconds=4.0):
        if not self.load_master():
            return self.results()
        first = next(iter(self.renditions), None)
        if first:
            self.check_gzip(first, "media playlist")
        self.observe(reload_seconds, interval)
        self.check_bandwidth()
        self.check_low_latency(ll_seconds)
        return self.results()

    def summary(self):
        musts = sum(1 for f in self.results() if f.severity == MUST and not f.waived)
        shoulds = sum(1 for f in self.results() if f.severity == SHOULD)
        return (f"{len(self.evaluated)} rules evaluated, {musts} MUST finding(s), {shoulds} SHOULD finding(s), "
                f"{len(self.frags)} segments/parts and {len([i for i in self.inits.values() if i])} inits parsed, "
                f"{self.requests} requests")


def _pos(edge):
    msn, part = edge
    return (msn, -1 if part is None else part)


def _parts_between(pl, rep, edge):
    parts = [(p.msn, p.index) for p in pl.all_parts()]
    if rep[1] is None or rep not in parts or edge not in parts:
        return None
    return parts.index(edge) - parts.index(rep)


def _first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"; first difference at sample {i}: parts {x} vs segment {y} (duration, size, sync, cto)"
    return ""


def _fmt_time(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]


def check(master_url, reload_seconds=8.0, interval=1.0, live=True, waive=None, log=None):
    """Runs every check against `master_url`; returns (findings, checker)."""
    c = Checker(master_url, live=live, waive=waive, log=log)
    return c.run(reload_seconds, interval), c


def rules_table():
    return "\n".join(f"{rid:32} {sev:6} {ref:60} {text}" for rid, (sev, ref, text) in RULES.items())


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--rules":
        print(rules_table())
        sys.exit(0)
    if len(sys.argv) < 2:
        print("usage: hls_structure.py MASTER_URL [RELOAD_SECONDS] | --rules", file=sys.stderr)
        sys.exit(2)
    found, checker = check(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 8.0)
    for f in found:
        print(f)
    print(checker.summary())
    sys.exit(1 if checker.failures() else 0)
