// A Java middleware's view of the deployed material: the keystore and truststore loaded exactly as the generated
// middleware configuration (roc.properties) names them, javax.net.ssl, and the JDK HttpClient.
//   java RocClient.java <roc.properties> <keystore password> <truststore password> <url>
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.util.Properties;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class RocClient {
    static KeyStore load(String path, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(path)) {
            store.load(in, password);
        }
        return store;
    }

    public static void main(String[] args) throws Exception {
        Properties config = new Properties();
        try (FileInputStream in = new FileInputStream(args[0])) {
            config.load(in);
        }
        String service = "Client_ROC_Annuaire_AMC";
        char[] keyPassword = args[1].toCharArray();
        KeyStore keystore = load(config.getProperty("roc." + service + ".keystore"), keyPassword);
        String alias = config.getProperty("roc." + service + ".keystore.alias");
        if (!keystore.isKeyEntry(alias)) {
            throw new IllegalStateException("no key entry " + alias + " in the keystore");
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keystore, keyPassword);
        KeyStore truststore = load(config.getProperty("roc.truststore.java"), args[2].toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(truststore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(args[3])).GET().build(),
                                                    HttpResponse.BodyHandlers.ofString());
        System.out.println("status " + response.statusCode());
        System.out.println(response.body().contains("Client certificate") ? "client certificate seen" : "no client certificate");
    }
}
