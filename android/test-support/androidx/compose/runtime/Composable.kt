// Compile-only stand-in (android/test-support/README.md) for androidx.compose.runtime.Composable,
// as published at https://developer.android.com/reference/kotlin/androidx/compose/runtime/Composable
// (the Compose compiler plugin, not this annotation, does the work; see android/build.gradle.kts).
package androidx.compose.runtime

@MustBeDocumented
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.TYPE, AnnotationTarget.TYPE_PARAMETER, AnnotationTarget.PROPERTY_GETTER)
annotation class Composable
