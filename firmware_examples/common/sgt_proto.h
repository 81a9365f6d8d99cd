/* sgt_proto: decoder for sgt-lite's serial frames, portable C99 (Arduino, RP2040, host).
 *
 * Frame: 0xA5 | seq | n | n x int16 LE centi-units | CRC-16/CCITT-FALSE LE over seq..payload
 * (centi-degrees; the eyelid channel is per cent closed x 100).
 *
 *   static void OnFrame(void* ctx, const SgtProtoFrame* f) { use f->seq, f->count, f->centi[] }
 *   SgtProtoDecoder dec;
 *   SgtProtoInit(&dec);
 *   for each received byte b:
 *     SgtProtoFeed(&dec, b, OnFrame, ctx);      // calls OnFrame once per frame b completed
 *
 * One byte can complete several frames (after a corrupted frame, the bytes already held
 * may contain whole frames): each is delivered, in order. The frame passed to the callback
 * is valid only during the call. No allocation, no globals; the decoder owns a fixed buffer.
 *
 * Sequence check: a frame is delivered only if its seq is 1..SGT_PROTO_SEQ_WINDOW ahead of
 * the last delivered one (duplicates and replays are skipped and counted in seq_rejects;
 * lost frames are fine). SGT_PROTO_SEQ_RESYNC rejected frames with consecutive seq values
 * resynchronise (host restarted), but a copy of the last delivered frame is never delivered;
 * SgtProtoForgetSeq() accepts the next frame whatever its seq (call it from a watchdog). Corrupted or truncated frames are skipped and counted in
 * crc_errors. */
#ifndef SGT_PROTO_H_
#define SGT_PROTO_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SGT_PROTO_SYNC 0xA5
#define SGT_PROTO_MAX_CHANNELS 16
#define SGT_PROTO_MAX_FRAME (3 + 2 * SGT_PROTO_MAX_CHANNELS + 2)
#define SGT_PROTO_SEQ_WINDOW 32
#define SGT_PROTO_SEQ_RESYNC 3

typedef struct {
  uint8_t seq;
  uint8_t count;                          /* 1..SGT_PROTO_MAX_CHANNELS */
  int16_t centi[SGT_PROTO_MAX_CHANNELS];
} SgtProtoFrame;

typedef void (*SgtProtoOnFrame)(void* ctx, const SgtProtoFrame* frame);

typedef struct {
  uint8_t buf[SGT_PROTO_MAX_FRAME];
  uint8_t len;                            /* bytes held in buf */
  uint8_t have_seq;                       /* 0 until a frame was delivered (or after ForgetSeq) */
  uint8_t last_seq;                       /* seq of the last delivered frame */
  uint8_t run_seq, run_len;               /* rejected frames with consecutive seq values */
  uint32_t frames;                        /* delivered */
  uint32_t crc_errors;
  uint32_t seq_rejects;
} SgtProtoDecoder;

uint16_t SgtProtoCrc16(const uint8_t* data, uint16_t len);
void SgtProtoInit(SgtProtoDecoder* dec);
void SgtProtoForgetSeq(SgtProtoDecoder* dec);
/* Returns 1 if seq would be accepted now (and records it), 0 if it is skipped. */
int SgtProtoSeqAccept(SgtProtoDecoder* dec, uint8_t seq);
/* Feeds one byte; calls on_frame (may be NULL) for every frame it completed and returns
 * how many that was. */
int SgtProtoFeed(SgtProtoDecoder* dec, uint8_t byte, SgtProtoOnFrame on_frame, void* ctx);

#ifdef __cplusplus
}
#endif

#endif
