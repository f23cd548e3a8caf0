// Package demotest runs the README's first command, the demo
// (scripts/demo.sh), in its shortened form on real wallet servers, so that
// the demo cannot silently rot: it must reproduce the race, diagnose it, diff
// it, fix it and exit 0, leaving no process behind.
package demotest
