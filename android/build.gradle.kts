// checkout-bridge Android library: the UniFFI-generated Kotlin (../bindings/kotlin, used in place),
// the Rust libraries (src/main/jniLibs, from build-rust.sh) and the platform layer
// (src/main/kotlin/io/checkoutbridge/android: CheckoutContract, its activities, Auth Tab / Custom
// Tabs). docs/android.md is the guide.
//
//   gradle assembleRelease       build/outputs/aar/checkout-bridge-android-release.aar
//   gradle publish               a Maven repository in build/repo (io/checkoutbridge/checkout-bridge-android/0.1.0/…)
//   gradle publishToMavenLocal   the same into ~/.m2, for apps that list mavenLocal()
//
// The plugin versions below apply to this standalone build only: an app consumes the published
// AAR with its own Android Gradle plugin. (Included with includeBuild instead, they must equal the
// app's: Gradle refuses two versions of the Android Gradle plugin in one build.)
// Android Gradle plugin 8.9 and compileSdk 36: the minimums androidx.browser 1.9.0 (Auth Tab)
// declares in its AAR metadata (checkAarMetadata: "requires libraries and applications that
// depend on it to compile against version 36 or later of the Android APIs", and an Android Gradle
// plugin of the 8.9 line; 8.8 supports API 35 at most). The Compose compiler plugin builds
// CheckoutCompose.kt (rememberCheckoutLauncher).
plugins {
    id("com.android.library") version "8.9.1"
    id("org.jetbrains.kotlin.android") version "2.1.21"
    id("org.jetbrains.kotlin.plugin.compose") version "2.1.21"
    `maven-publish`
}

// JNA, kotlinx-coroutines and OkHttp at the versions the JVM tests and the bench use: named once,
// in the repository's pom.xml (<jna.version>, <kotlinx.coroutines.version>, <okhttp.version>),
// read from there; android/okhttp reads them through this project's extra properties.
val sharedVersions: Map<String, String> = javax.xml.parsers.DocumentBuilderFactory.newInstance()
    .newDocumentBuilder().parse(rootDir.resolve("../pom.xml"))
    .getElementsByTagName("properties").item(0).childNodes
    .let { nodes -> (0 until nodes.length).map { nodes.item(it) } }
    .filter { it.nodeType == org.w3c.dom.Node.ELEMENT_NODE }
    .associate { it.nodeName to it.textContent.trim() }
extra["sharedVersions"] = sharedVersions

group = "io.checkoutbridge"
version = "0.1.0"

android {
    namespace = "io.checkoutbridge.android"
    compileSdk = 36

    defaultConfig {
        // minSdk 24 (Android 7.0): the Rust libraries are linked for API 24
        // (build-rust.sh --platform 24; current NDKs cannot target below 21 at all), and 24 is
        // where Android's own TLS policy matches the core's: from API 24 apps no longer trust
        // user-installed CAs by default, and the core never does (README, "TLS and trust roots"),
        // so a payment behaves the same in the core and in the app's own networking.
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets {
        getByName("main") {
            // The committed generated bindings, compiled where they are (no copy to go stale).
            kotlin.srcDir("../bindings/kotlin")
            // Hand-written companion of the bindings (same Kotlin module: it uses their internals).
            kotlin.srcDir("../kotlin-support")
            kotlin.srcDir("src/main/kotlin")
            // arm64-v8a, armeabi-v7a, x86_64, x86 / libcheckout_bridge.so (android/build-rust.sh).
            jniLibs.srcDir("src/main/jniLibs")
        }
    }

    buildFeatures {
        compose = true
    }

    // Bytecode for Java 17, compiled by whichever JDK (17 or newer) runs Gradle: a JVM target, not
    // a toolchain, so no JDK 17 has to be installed or downloaded. (How the .so files are packed,
    // useLegacyPackaging, is the app's setting: a library's is ignored. Apps with minSdk 23+ get
    // them uncompressed and page-aligned by default, which 16 KB page devices need.)
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
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17)
    }
}

// Each module of this build that applies maven-publish (this one, checkout-bridge-android, and
// android/okhttp, checkout-bridge-android-okhttp) as a Maven publication of its release AAR (POM
// and Gradle module metadata name its dependencies: JNA, kotlinx-coroutines, androidx.browser…),
// all in one repository, build/repo. docs/android.md, "Setup": the repository layout apps use.
allprojects {
    plugins.withId("maven-publish") {
        extensions.configure<PublishingExtension> {
            publications {
                register<MavenPublication>("release") {
                    groupId = "io.checkoutbridge"
                    artifactId = if (project == rootProject) "checkout-bridge-android" else "checkout-bridge-android-${project.name}"
                    version = project.version.toString()
                    afterEvaluate {
                        from(components["release"])
                    }
                }
            }
            repositories {
                maven {
                    name = "repo"
                    url = uri(rootProject.layout.buildDirectory.dir("repo"))
                }
            }
        }
    }
}

dependencies {
    // The bindings load libcheckout_bridge.so through JNA (5.18.1 or later: see pom.xml).
    // `@aar` is the Android flavour (native dispatch libraries per ABI, aligned for 16 KB pages);
    // `api` because the generated classes extend JNA types.
    api("net.java.dev.jna:jna:${sharedVersions.getValue("jna.version")}@aar")
    // The generated suspend functions run on kotlinx.coroutines.
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:${sharedVersions.getValue("kotlinx.coroutines.version")}")
    // Auth Tab (AuthTabIntent, 1.9.0) and Custom Tabs (CheckoutLauncher). Google's repository only.
    implementation("androidx.browser:browser:1.9.0")
    // ComponentActivity, the activity-result API (CheckoutContract, registerForCheckoutResult) and
    // androidx.lifecycle; `api`: apps call registerForCheckoutResult on their ComponentActivity.
    api("androidx.activity:activity-ktx:1.10.1")
    // rememberCheckoutLauncher only: apps that use Compose have it; others never load that class.
    compileOnly("androidx.activity:activity-compose:1.10.1")
    // @RequiresApi in the generated bindings.
    implementation("androidx.annotation:annotation:1.9.1")
}
