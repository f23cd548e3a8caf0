package deploytest_test

import (
	"fmt"

	"github.com/escrowd/escrowd/internal/deploytest"
)

// The Jaeger image tag that matches the Go module pinned in deploy/jaeger/go.mod.
func ExampleJaegerRelease() {
	release, err := deploytest.JaegerRelease("v1.75.0")
	if err != nil {
		panic(err)
	}
	fmt.Println("jaegertracing/jaeger:" + release)
	// Output: jaegertracing/jaeger:2.12.0
}
