package reliability_test

// helperEnv, when set, makes the test binary a child escrowd (see
// TestHelperProcess): its value is the child's working directory.
const helperEnv = "ESCROWD_RELIABILITY_HELPER"
