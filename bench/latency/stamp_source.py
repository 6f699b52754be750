"""Raw video frames that carry the wall-clock time of their making, for glass-to-glass latency.

Writes yuv420p frames (640x360 by default) to stdout at FPS, in real time: frame n is made and
written when its time comes (t0 + n / FPS, on the monotonic clock), and carries the wall-clock
time (time.time(), ms since the Unix epoch) read just before it was made. Pipe into
`ffmpeg -f rawvideo -pix_fmt yuv420p -s 640x360 -r 30 -i pipe:0 ...`.

The stamp (the layout tests/browser/latency_page.mjs decodes; keep the two in step):
  64 bits = 48-bit time in ms (most significant bit first) + CRC-16/CCITT-FALSE of those six
  bytes (big-endian). Bit i is a 32x32 block (in 640x360 units; scaled with the frame) at
  column i % 16, row i // 16 of a grid whose top-left corner is at (64, 32): black (Y=16)
  for 0, white (Y=235) for 1, on a mid-grey frame (Y=128). The chroma planes are neutral.
  A reader samples the middle of each block and rejects the frame if any block is neither
  clearly dark nor clearly light, or if the CRC does not match.
A small white bar also sweeps across the bottom of the picture so that the frames differ
in more than the stamp.

Usage: python3 stamp_source.py [WIDTH HEIGHT [FPS]]     (runs until stdout closes)
"""

import sys
import time

COLS, ROWS, BITS = 16, 4, 64
GRID_X, GRID_Y, CELL = 64, 32, 32  # in 640x360 units
REF_W, REF_H = 640, 360
BLACK, WHITE, GREY = 16, 235, 128


def crc16_ccitt(data):
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def stamp_bits(ms):
    payload = (ms & 0xFFFFFFFFFFFF).to_bytes(6, "big")
    word = (int.from_bytes(payload, "big") << 16) | crc16_ccitt(payload)
    return [(word >> (BITS - 1 - i)) & 1 for i in range(BITS)]


class FrameMaker:
    def __init__(self, width, height):
        self.w, self.h = width, height
        sx, sy = width / REF_W, height / REF_H
        self.cells = []  # (x0, x1, y0, y1) of each bit's block in pixels
        for i in range(BITS):
            col, row = i % COLS, i // COLS
            self.cells.append((round((GRID_X + col * CELL) * sx),
                               round((GRID_X + (col + 1) * CELL) * sx),
                               round((GRID_Y + row * CELL) * sy),
                               round((GRID_Y + (row + 1) * CELL) * sy)))
        self.background = bytes([GREY]) * (width * height)
        self.chroma = bytes([128]) * (2 * (width // 2) * (height // 2))
        self.bar_h = max(2, height // 24)

    def frame(self, ms, n):
        y = bytearray(self.background)
        w = self.w
        for bit, (x0, x1, y0, y1) in zip(stamp_bits(ms), self.cells):
            row = (bytes([WHITE]) if bit else bytes([BLACK])) * (x1 - x0)
            for line in range(y0, y1):
                y[line * w + x0:line * w + x1] = row
        bar_w = max(4, w // 20)
        bx = (n * 4) % (w - bar_w)
        bar = bytes([WHITE]) * bar_w
        for line in range(self.h - 2 * self.bar_h, self.h - self.bar_h):
            y[line * w + bx:line * w + bx + bar_w] = bar
        return bytes(y) + self.chroma


def main():
    width = int(sys.argv[1]) if len(sys.argv) > 1 else 640
    height = int(sys.argv[2]) if len(sys.argv) > 2 else 360
    fps = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    maker = FrameMaker(width, height)
    out = sys.stdout.buffer
    t0 = time.monotonic()
    n = 0
    try:
        while True:
            pause = t0 + n / fps - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            out.write(maker.frame(int(time.time() * 1000), n))
            out.flush()
            n += 1
    except (BrokenPipeError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
