// checkout-bridge-android-okhttp: the OkHttp transport (../../kotlin-okhttp, OkHttpTransport) as
// an Android library next to the main one, so an app sends the library's requests through its own
// OkHttp client (its Network Security Config trust and pins, proxies, interceptors):
//
//   implementation("io.checkoutbridge:checkout-bridge-android:0.1.0")
//   implementation("io.checkoutbridge:checkout-bridge-android-okhttp:0.1.0")
//   CheckoutBridge.configureBackend(url, transport = OkHttpTransport(okHttpClient)) { token }
//
// Its own artifact, as on the JVM (jvm/okhttp builds checkout-bridge-okhttp), so apps that do not
// use OkHttp do not get it. Built and published with the main module (`gradle publish` in
// android/); docs/android.md, "The app's network stack".
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
    // Published as io.checkoutbridge:checkout-bridge-android-okhttp into android/build/repo, as the
    // library's build configures every module that applies it.
    `maven-publish`
}

// OkHttp at the version the JVM tests run OkHttpTransport with: pom.xml's <okhttp.version>, as
// the library's build reads it (android/build.gradle.kts).
@Suppress("UNCHECKED_CAST")
val sharedVersions = rootProject.extra["sharedVersions"] as Map<String, String>

group = "io.checkoutbridge"
version = "0.1.0"

android {
    namespace = "io.checkoutbridge.okhttp"
    compileSdk = 36

    defaultConfig {
        minSdk = 24
    }

    sourceSets {
        getByName("main") {
            // The JVM artifact's sources, compiled where they are (no copy to go stale).
            kotlin.srcDir("../../kotlin-okhttp")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    publishing {
        singleVariant("release") {
            withSourcesJar()
        }
    }
}

kotlin {
    // As jvm/okhttp compiles it: every public declaration states its visibility and type.
    explicitApi()
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17)
    }
}

dependencies {
    // The bindings (HttpTransport, HttpRequest, …) and JNA come with the main module; `api`
    // because OkHttpTransport implements the bindings' HttpTransport.
    api(project(":"))
    // The app passes its own OkHttpClient: `api`. OkHttp 5's `okhttp` resolves to its Android
    // variant in an Android build (minSdk 21).
    api("com.squareup.okhttp3:okhttp:${sharedVersions.getValue("okhttp.version")}")
}
