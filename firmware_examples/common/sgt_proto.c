#include "sgt_proto.h"

#include <string.h>

uint16_t SgtProtoCrc16(const uint8_t* data, uint16_t len) {
  uint16_t crc = 0xFFFF;
  uint16_t i;
  int b;
  for (i = 0; i < len; ++i) {
    crc ^= (uint16_t)data[i] << 8;
    for (b = 0; b < 8; ++b) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  }
  return crc;
}

void SgtProtoInit(SgtProtoDecoder* dec) { memset(dec, 0, sizeof(*dec)); }

void SgtProtoForgetSeq(SgtProtoDecoder* dec) {
  dec->have_seq = 0;
  dec->run_len = 0;
}

int SgtProtoSeqAccept(SgtProtoDecoder* dec, uint8_t seq) {
  uint8_t ahead = (uint8_t)(seq - dec->last_seq);
  if (dec->have_seq && ahead == 0) {      /* the last delivered frame again: never twice */
    dec->seq_rejects++;
    return 0;
  }
  if (dec->have_seq && ahead > SGT_PROTO_SEQ_WINDOW) {
    int consecutive = dec->run_len > 0 && seq == (uint8_t)(dec->run_seq + 1);
    dec->run_len = consecutive ? (uint8_t)(dec->run_len + 1) : 1;
    dec->run_seq = seq;
    if (dec->run_len < SGT_PROTO_SEQ_RESYNC) {
      dec->seq_rejects++;
      return 0;
    }
  }
  dec->have_seq = 1;
  dec->last_seq = seq;
  dec->run_len = 0;
  return 1;
}

/* Drops the first byte and rescans what is left for the next sync byte. */
static void Resync(SgtProtoDecoder* dec) {
  uint8_t i;
  for (i = 1; i < dec->len; ++i)
    if (dec->buf[i] == SGT_PROTO_SYNC) break;
  memmove(dec->buf, dec->buf + i, (size_t)(dec->len - i));
  dec->len = (uint8_t)(dec->len - i);
}

/* Checks the buffer; returns 1 on a complete valid frame (copied to *frame and removed from
 * the buffer), 0 if more bytes are needed, -1 if the buffer start cannot be a frame. */
static int Take(SgtProtoDecoder* dec, SgtProtoFrame* frame) {
  uint8_t n, size, i;
  uint16_t crc;
  if (dec->len == 0) return 0;
  if (dec->buf[0] != SGT_PROTO_SYNC) return -1;
  if (dec->len < 3) return 0;
  n = dec->buf[2];
  if (n == 0 || n > SGT_PROTO_MAX_CHANNELS) return -1;
  size = (uint8_t)(3 + 2 * n + 2);
  if (dec->len < size) return 0;
  crc = (uint16_t)(dec->buf[size - 2] | (dec->buf[size - 1] << 8));
  if (crc != SgtProtoCrc16(dec->buf + 1, (uint16_t)(2 + 2 * n))) {
    dec->crc_errors++;
    return -1;
  }
  frame->seq = dec->buf[1];
  frame->count = n;
  for (i = 0; i < n; ++i) frame->centi[i] = (int16_t)(uint16_t)(dec->buf[3 + 2 * i] | (dec->buf[4 + 2 * i] << 8));
  memmove(dec->buf, dec->buf + size, (size_t)(dec->len - size));
  dec->len = (uint8_t)(dec->len - size);
  return 1;
}

int SgtProtoFeed(SgtProtoDecoder* dec, uint8_t byte, SgtProtoOnFrame on_frame, void* ctx) {
  SgtProtoFrame frame;
  int status, got = 0;
  if (dec->len == 0 && byte != SGT_PROTO_SYNC) return 0;
  dec->buf[dec->len++] = byte;            /* never overflows: a full buffer always resolves below */
  for (;;) {
    status = Take(dec, &frame);
    if (status == 1) {
      if (SgtProtoSeqAccept(dec, frame.seq)) {
        dec->frames++;
        ++got;
        if (on_frame) on_frame(ctx, &frame);
      }
      continue;                           /* the bytes held may already hold the next frame */
    }
    if (status == -1) {
      Resync(dec);
      continue;
    }
    return got;
  }
}
