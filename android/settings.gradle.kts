// The checkout-bridge Android library as a standalone Gradle build (include it from an app with
// `includeBuild("path/to/checkout-bridge/android")`, or copy the module). Run
// android/build-rust.sh first: it fills src/main/jniLibs/ with the four ABIs.
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
