// Runs an Arduino sketch on the host: build with -DSGT_SKETCH='"path/to/sketch.ino"' (the sketch
// is compiled into this file, as the Arduino IDE does with its own main). Script on stdin:
//   B <hex>   bytes that arrive on the serial port
//   T <ms>    set the clock and call loop() once; prints "<ms> <us0> <us1> ..." (servo pulses)
// setup() runs first, at 0 ms, and prints the pulses it set as "0 ...".
#include <stdio.h>
#include <string.h>

#include <Servo.h>

#include "arduino_host.h"

#include SGT_SKETCH

HostSerial Serial;
static unsigned long now_ms = 0;
static unsigned char rx[1 << 16];
static size_t rx_head = 0, rx_tail = 0;

unsigned long millis() { return now_ms; }
int HostSerial::available() { return (int)(rx_tail - rx_head); }
int HostSerial::read() { return rx_head < rx_tail ? rx[rx_head++] : -1; }

static void Print() {
  printf("%lu", now_ms);
  for (uint8_t ch = 0; ch < kChannels; ++ch) printf(" %d", servos[ch].us);
  printf("\n");
}

int main() {
  char line[8192];
  setup();
  Print();
  while (fgets(line, sizeof(line), stdin)) {
    if (line[0] == 'B') {
      const char* p = line + 1;
      unsigned byte;
      int used;
      while (sscanf(p, " %2x%n", &byte, &used) == 1 && rx_tail < sizeof(rx)) {
        rx[rx_tail++] = (unsigned char)byte;
        p += used;
      }
    } else if (line[0] == 'T') {
      sscanf(line + 1, "%lu", &now_ms);
      loop();
      Print();
    }
  }
  return 0;
}
