// The checkout-bridge Android library as a standalone Gradle build. Run android/build-rust.sh
// first (it fills src/main/jniLibs/ with the four ABIs), then `gradle publish` (a Maven repository
// in build/repo) or `gradle publishToMavenLocal`, and depend on
// io.checkoutbridge:checkout-bridge-android from the app (README.md, "Android"). Including this
// build with includeBuild also works when the app uses the same Android Gradle plugin and Kotlin
// versions as build.gradle.kts.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "checkout-bridge-android"

// The sample app (android/sample): depends on this library project.
include(":sample")

// The OkHttp transport (android/okhttp: ../kotlin-okhttp as io.checkoutbridge:checkout-bridge-android-okhttp),
// published with this library by `gradle publish`.
include(":okhttp")
