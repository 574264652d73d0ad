// The sample app: buys one T-shirt through CheckoutContract (registerForCheckoutResult) against
// the Stripe emulator (debug builds) or your backend. Built with the library in this Gradle build
// (android/settings.gradle.kts includes it); scripts/android-check.sh compiles its Kotlin here
// against the real Android framework (android-all) together with the library.
//
//   cd android && gradle :sample:installDebug
//
// Its manifest has no checkout entries: the library's manifest brings them, with the scheme from
// the placeholder below.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "com.example.shop"
    compileSdk = 36

    defaultConfig {
        applicationId = "com.example.shop"
        minSdk = 24
        targetSdk = 36
        versionCode = 1
        versionName = "1.0"
        // The return links: shopsample://checkout/success?… and …/cancel?…
        manifestPlaceholders["checkoutRedirectScheme"] = "shopsample"
    }

    buildTypes {
        release {
            // Shrunk with the library's consumer rules only (scripts/proguard-check.sh proves them).
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17)
    }
}

dependencies {
    implementation(project(":"))
}
