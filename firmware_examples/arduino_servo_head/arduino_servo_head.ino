// sgt-lite servo head for an Arduino (Uno, Nano, Mega...): reads sgt-lite serial frames
// (firmware_examples/common/sgt_proto.c and sgt_limit.c, linked into this sketch folder) and
// drives up to six hobby servos. Run on the host:
//   sgt-lite demo --head serial:/dev/ttyUSB0 --profile neck3_eyes2_lids
// Channel order = the profile's joint order. Every frame goes through the firmware's own
// limits before a servo moves: the sequence number must advance (duplicates and replays are
// skipped), each channel is clamped to its range and follows at no more than its speed
// limit. A watchdog eases every servo back to neutral when no frame was applied for 500 ms.
#include <Servo.h>

extern "C" {
#include "sgt_limit.h"
#include "sgt_proto.h"
}

const uint8_t kPins[] = {3, 5, 6, 9, 10, 11};          // PWM pins, one per channel
const uint8_t kChannels = sizeof(kPins);
const uint16_t kWatchdogMs = 500;
const unsigned long kStepMs = 5;

// Per channel, in centi-units (degrees x 100; the eyelid in per cent closed x 100):
// range lo, hi, neutral, speed limit per second, pulse (us) at lo and at hi (swapped for an
// inverted servo). Generated from the profile (the speed limit is max_vel x 1.25) with
//   python -c "from sgt_lite.heads.serial_link import firmware_table; print(firmware_table('neck3_eyes2_lids'))"
// sgt-lite table begin
static const SgtLimitChannel kLimits[] = {
  {-7000, 7000, 0, 22500, 722, 2278},      // head_yaw
  {-2500, 3000, 0, 17500, 1222, 1833},     // head_pitch
  {-2000, 2000, 0, 11250, 1278, 1722},     // head_roll
  {-3000, 3000, 0, 62500, 1167, 1833},     // eye_yaw
  {-2000, 2000, 0, 50000, 1722, 1278},     // eye_pitch
  {0, 10000, 0, 150000, 1100, 1900},       // eyelid
};
// sgt-lite table end

Servo servos[kChannels];
SgtProtoDecoder decoder;
SgtLimiter limiter;
unsigned long lastStepMs = 0;

static void OnFrame(void* ctx, const SgtProtoFrame* frame) {
  (void)ctx;
  SgtLimitFrame(&limiter, frame->centi, frame->count, millis());
}

static void WriteServos() {
  for (uint8_t ch = 0; ch < kChannels; ++ch) servos[ch].writeMicroseconds(SgtLimitPulseUs(&limiter, ch));
}

void setup() {
  Serial.begin(115200);
  SgtProtoInit(&decoder);
  if (SgtLimitInit(&limiter, kLimits, kChannels, kWatchdogMs, millis()) != 0) {
    for (;;) {}                                        // a bad table: never drive the servos
  }
  for (uint8_t ch = 0; ch < kChannels; ++ch) servos[ch].attach(kPins[ch]);
  WriteServos();                                       // neutral
  lastStepMs = millis();
}

void loop() {
  while (Serial.available() > 0) SgtProtoFeed(&decoder, (uint8_t)Serial.read(), OnFrame, 0);
  unsigned long now = millis();
  if (now - lastStepMs >= kStepMs) {
    lastStepMs = now;
    if (SgtLimitStep(&limiter, now)) SgtProtoForgetSeq(&decoder);   // watchdog: any seq may resume
    WriteServos();
  }
}
