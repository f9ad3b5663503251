#!/usr/bin/perl
# container-log.pl <stream> <file> [raw-copy]: the container runtime's log writer for a pod process the
# harness starts (kwok has no runtime). Each line from stdin is appended to <file> in the CRI log format
# that kubelet's `kubectl logs` reads (`<RFC3339Nano time> <stdout|stderr> F <line>`), which kwok's Logs
# object serves for GET pods/log (follow, sinceSeconds, tailLines). [raw-copy] gets the plain line too
# (envoy.log, as before). Ends when the process's stream closes.
use strict;
use warnings;
use Time::HiRes qw(gettimeofday);
use POSIX qw(strftime);
use IO::Handle;

my ($stream, $file, $raw) = @ARGV;
die "usage: container-log.pl stdout|stderr FILE [RAW]\n" unless $stream && $file;
open(my $out, '>>', $file) or die "container-log.pl: $file: $!\n";
$out->autoflush(1);
my $copy;
if ($raw) { open($copy, '>>', $raw) or die "container-log.pl: $raw: $!\n"; $copy->autoflush(1); }
while (my $line = <STDIN>) {
  chomp $line;
  my ($s, $us) = gettimeofday();
  my $ts = strftime('%Y-%m-%dT%H:%M:%S', gmtime($s)) . sprintf('.%06d000Z', $us);
  print $out "$ts $stream F $line\n";
  print $copy "$line\n" if $copy;
}
