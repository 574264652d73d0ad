#!/usr/bin/env bash
# The release-shrinking check alone (scripts/kotlin-tests.sh runs it with every other Kotlin
# module, so the test command includes it): jvm/proguard/test/ShrinkingTests.kt shrinks,
# optimises and obfuscates an app-like entry point, the Android layer's JVM classes, the bindings
# with kotlin-support, kotlinx-coroutines, JNA and the Kotlin standard library with ProGuard 7.10.0
# (Maven Central), using only android/consumer-rules.pro and the rules those jars ship; runs a real
# round trip (create, pay on the emulator, verify) from the shrunk jar against the real library;
# and shows the same check failing with the consumer rules minus `-keepattributes` (the rules as
# they were before issue 21): `Structure.getFieldOrder() … does not provide enough names`.
#
# Usage: scripts/proguard-check.sh    (builds what it needs, like kotlin-tests.sh; about 2 minutes)
# Ends with `kotlin: N passed, M failed` over the two tests; the shrunk jars, ProGuard's
# configuration, mapping and logs stay in target/maven/checkout-bridge-proguard-check/proguard/.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/kotlin-tests.sh -pl jvm/proguard -am -Dtest=ShrinkingTests \
  -Dsurefire.failIfNoSpecifiedTests=false -Dcb.failIfNoTests=false
