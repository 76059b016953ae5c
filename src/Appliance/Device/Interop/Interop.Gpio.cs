using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VoiceAppliance;

internal static partial class Interop
{
    /// <summary>
    /// Linux GPIO character device uAPI v2 (linux/gpio.h). Layouts are identical on x86-64 and arm64 (the
    /// header pads every struct to 64-bit alignment); the tests compare them with the header's own values.
    /// </summary>
    internal static partial class Gpio
    {
        internal const int MaxNameSize = 32;
        internal const int LinesMax = 64;
        internal const int NumAttrsMax = 10;

        // _IOR(0xB4, 0x01, struct gpiochip_info) etc., as the kernel header computes them.
        internal const uint GPIO_GET_CHIPINFO_IOCTL = 0x8044B401;
        internal const uint GPIO_V2_GET_LINEINFO_IOCTL = 0xC100B405;
        internal const uint GPIO_V2_GET_LINE_IOCTL = 0xC250B407;
        internal const uint GPIO_V2_LINE_GET_VALUES_IOCTL = 0xC010B40E;
        internal const uint GPIO_V2_LINE_SET_VALUES_IOCTL = 0xC010B40F;

        internal const ulong GPIO_V2_LINE_FLAG_USED = 1UL << 0;
        internal const ulong GPIO_V2_LINE_FLAG_ACTIVE_LOW = 1UL << 1;
        internal const ulong GPIO_V2_LINE_FLAG_INPUT = 1UL << 2;
        internal const ulong GPIO_V2_LINE_FLAG_OUTPUT = 1UL << 3;
        internal const ulong GPIO_V2_LINE_FLAG_EDGE_RISING = 1UL << 4;
        internal const ulong GPIO_V2_LINE_FLAG_EDGE_FALLING = 1UL << 5;
        internal const ulong GPIO_V2_LINE_FLAG_BIAS_PULL_UP = 1UL << 8;
        internal const ulong GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN = 1UL << 9;
        internal const ulong GPIO_V2_LINE_FLAG_BIAS_DISABLED = 1UL << 10;

        internal const uint GPIO_V2_LINE_ATTR_ID_FLAGS = 1;
        internal const uint GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES = 2;
        internal const uint GPIO_V2_LINE_ATTR_ID_DEBOUNCE = 3;

        internal const uint GPIO_V2_LINE_EVENT_RISING_EDGE = 1;
        internal const uint GPIO_V2_LINE_EVENT_FALLING_EDGE = 2;

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct gpiochip_info
        {
            internal fixed byte name[MaxNameSize];
            internal fixed byte label[MaxNameSize];
            internal uint lines;
        }

        /// <summary>gpio_v2_line_attribute; the union (flags | values | debounce_period_us) is one u64.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct gpio_v2_line_attribute
        {
            internal uint id;
            internal uint padding;
            internal ulong value;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct gpio_v2_line_config_attribute
        {
            internal gpio_v2_line_attribute attr;
            internal ulong mask;
        }

        [InlineArray(NumAttrsMax)]
        internal struct ConfigAttributes
        {
            private gpio_v2_line_config_attribute _element0;
        }

        [InlineArray(NumAttrsMax)]
        internal struct LineAttributes
        {
            private gpio_v2_line_attribute _element0;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct gpio_v2_line_config
        {
            internal ulong flags;
            internal uint num_attrs;
            internal fixed uint padding[5];
            internal ConfigAttributes attrs;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct gpio_v2_line_request
        {
            internal fixed uint offsets[LinesMax];
            internal fixed byte consumer[MaxNameSize];
            internal gpio_v2_line_config config;
            internal uint num_lines;
            internal uint event_buffer_size;
            internal fixed uint padding[5];
            internal int fd;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct gpio_v2_line_info
        {
            internal fixed byte name[MaxNameSize];
            internal fixed byte consumer[MaxNameSize];
            internal uint offset;
            internal uint num_attrs;
            internal ulong flags;
            internal LineAttributes attrs;
            internal fixed uint padding[4];
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct gpio_v2_line_values
        {
            internal ulong bits;
            internal ulong mask;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct gpio_v2_line_event
        {
            internal ulong timestamp_ns;
            internal uint id;
            internal uint offset;
            internal uint seqno;
            internal uint line_seqno;
            internal fixed uint padding[6];
        }
    }

    /// <summary>Linux spidev (linux/spi/spidev.h).</summary>
    internal static partial class Spi
    {
        // SPI_IOC_MESSAGE(1) = _IOW('k', 0, char[32])
        internal const uint SPI_IOC_MESSAGE_1 = 0x40206B00;
        internal const uint SPI_IOC_WR_MODE = 0x40016B01;
        internal const uint SPI_IOC_WR_BITS_PER_WORD = 0x40016B03;
        internal const uint SPI_IOC_WR_MAX_SPEED_HZ = 0x40046B04;

        [StructLayout(LayoutKind.Sequential)]
        internal struct spi_ioc_transfer
        {
            internal ulong tx_buf;
            internal ulong rx_buf;
            internal uint len;
            internal uint speed_hz;
            internal ushort delay_usecs;
            internal byte bits_per_word;
            internal byte cs_change;
            internal byte tx_nbits;
            internal byte rx_nbits;
            internal byte word_delay_usecs;
            internal byte pad;
        }
    }
}
