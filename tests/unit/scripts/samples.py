"""Scripts as Boomi developers write them: every one of these must pass validateScript."""

from __future__ import annotations

GROOVY_SPLIT_LINES = """\
import java.util.Properties
import java.io.InputStream
import java.io.ByteArrayInputStream
import com.boomi.execution.ExecutionUtil

logger = ExecutionUtil.getBaseLogger()

// One output document per non-empty line; the line number travels as a property.
for (int i = 0; i < dataContext.getDataCount(); i++) {
    InputStream is = dataContext.getStream(i)
    Properties props = dataContext.getProperties(i)

    def lines = is.text.readLines().collect { it.trim() }.findAll { !it.isEmpty() }
    lines.eachWithIndex { String line, int index ->
        Properties lineProps = new Properties()
        lineProps.putAll(props)
        lineProps.setProperty("document.dynamic.userdefined.LINE_NUMBER", "${index + 1}")
        dataContext.storeStream(new ByteArrayInputStream(line.getBytes("UTF-8")), lineProps)
    }
    logger.info("Document ${i}: ${lines.size()} lines")
}
"""

GROOVY_DYNAMIC_PROPERTIES = """\
import com.boomi.execution.ExecutionUtil

String batchId = ExecutionUtil.getDynamicProcessProperty("BATCH_ID") ?: "NONE"
int retries = (ExecutionUtil.getDynamicProcessProperty("RETRY_COUNT") ?: "0") as int
def customer = ExecutionUtil.getDynamicProcessProperty("CUSTOMER")?.trim()?.toUpperCase()

if (retries >= 3) {
    ExecutionUtil.setDynamicProcessProperty("STATUS", "GIVE_UP", false)
} else {
    ExecutionUtil.setDynamicProcessProperty("RETRY_COUNT", (retries + 1).toString(), false)
    ExecutionUtil.setDynamicProcessProperty("STATUS", "RETRY_${batchId}_${customer}", false)
}

for (int i = 0; i < dataContext.getDataCount(); i++) {
    dataContext.storeStream(dataContext.getStream(i), dataContext.getProperties(i))
}
"""

GROOVY_XML_TOTALS = """\
import groovy.xml.XmlSlurper
import java.text.SimpleDateFormat

def isoDate = new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss")
for (i in 0..<dataContext.getDataCount()) {
    def props = dataContext.getProperties(i)
    def stream = dataContext.getStream(i)
    def order = new XmlSlurper().parse(stream)
    BigDecimal total = order.Line.sum { it.Amount.text().toBigDecimal() } ?: 0
    def codes = order.Line.collect { it.@code.text() }.unique()
    switch (order.@type.text()) {
        case "RUSH":
            props.setProperty("document.dynamic.userdefined.PRIORITY", "1")
            break
        default:
            props.setProperty("document.dynamic.userdefined.PRIORITY", "5")
    }
    props.setProperty("document.dynamic.userdefined.TOTAL", total.setScale(2).toPlainString())
    props.setProperty("document.dynamic.userdefined.CODES", codes.join(","))
    props.setProperty("document.dynamic.userdefined.SEEN", isoDate.format(new Date()))
    dataContext.storeStream(new ByteArrayInputStream(stream.bytes), props)
}
"""

GROOVY_MAP_FUNCTION = """\
// Inputs firstName, lastName, birthDate and outputs fullName, age are declared by the map.
String first = firstName ?: ""
String last = lastName ?: ""
fullName = [first, last].findAll { it }.join(" ").replaceAll(/\\s+/, " ")

if (birthDate == null) {
    age = ""
} else {
    def today = new Date()
    int years = today[Calendar.YEAR] - birthDate[Calendar.YEAR]
    age = years < 0 ? "" : years.toString()
}
"""

GROOVY_JSON_PROCESS = """\
import groovy.json.JsonSlurper
import groovy.json.JsonOutput

def slurper = new JsonSlurper()
def mapped = [:]
for (int i = 0; i < dataContext.getDataCount(); i++) {
    def props = dataContext.getProperties(i)
    def payload = slurper.parse(dataContext.getStream(i))
    payload.items?.each { item ->
        mapped[item.sku] = (mapped[item.sku] ?: 0) + (item.qty as int)
    }
    def out = JsonOutput.prettyPrint(JsonOutput.toJson([skus: mapped, count: mapped.size()]))
    try {
        assert out != null
        dataContext.storeStream(new ByteArrayInputStream(out.getBytes("UTF-8")), props)
    } catch (Exception e) {
        throw new IllegalStateException("Could not write document ${i}: ${e.message}", e)
    }
}
"""

JAVASCRIPT_MAP_FUNCTION = """\
// Inputs phone, countryCode, name; outputs e164, initials, slug.
var digits = String(phone).replace(/[^0-9]/g, "");
if (digits.charAt(0) === "0") {
    digits = digits.substring(1);
}
e164 = "+" + (countryCode || "1") + digits;

var words = String(name).trim().split(/\\s+/);
initials = words.map(function (w) { return w.charAt(0).toUpperCase(); }).join("");

function slugify(text) {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}
slug = slugify(name + " " + digits.slice(-4));
"""

JAVASCRIPT_PROCESS_SCRIPT = """\
for (var i = 0; i < dataContext.getDataCount(); i++) {
    var is = dataContext.getStream(i);
    var props = dataContext.getProperties(i);
    var id = props.getProperty("document.dynamic.userdefined.ORDER_ID") || "unknown";
    props.setProperty("document.dynamic.userdefined.ORDER_KEY", "ORD-" + id.toUpperCase());
    dataContext.storeStream(is, props);
}
"""

ORDINARY_GROOVY = {
    "split lines": GROOVY_SPLIT_LINES,
    "dynamic process properties": GROOVY_DYNAMIC_PROPERTIES,
    "xml totals": GROOVY_XML_TOTALS,
    "map function": GROOVY_MAP_FUNCTION,
    "json process": GROOVY_JSON_PROCESS,
}
ORDINARY_JAVASCRIPT = {
    "map function": JAVASCRIPT_MAP_FUNCTION,
    "process script": JAVASCRIPT_PROCESS_SCRIPT,
}
